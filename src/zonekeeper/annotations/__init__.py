"""Reading external-dns annotations, one concept a module:

  keys            the prefixes read (plain data, `prefixes_for`), the keys, raw reads,
                  enumerated values, the `controller` annotation;
  hostname_rules  hostname validation and the canonical (IDNA ASCII) form;
  target_rules    the `target` annotation: IP addresses and hostnames;
  durations       Go durations and the `ttl` annotation;
  aws             `alias` and `aws-<x>` as provider-specific properties;
  common          what every source reads besides hostnames and targets.

Every reader is total: malformed values never raise, they come back as `Problem`s naming the
annotation and the value, and the reader falls back to "not configured" for that one setting.
Sources use the names re-exported here (`from zonekeeper import annotations as ann`).
"""

from __future__ import annotations

from zonekeeper.annotations.aws import (
    GEOPROXIMITY_BIAS,
    GEOPROXIMITY_KEYS,
    HEALTH_CHECK_ID,
    MULTI_VALUE_ANSWER,
    finish_properties,
    provider_specific,
    validate_property,
)
from zonekeeper.annotations.common import (
    Common,
    read_common,
)
from zonekeeper.annotations.durations import (
    TTL_MAX,
    TTL_MIN,
    parse_go_duration,
    parse_ttl,
    ttl,
)
from zonekeeper.annotations.hostname_rules import (
    INVALID_HOSTNAME,
    check_hostname,
    clean_hostname,
    hostname_error,
    hostnames,
    without_root_dot,
)
from zonekeeper.annotations.keys import (
    ACCESS,
    ACCESS_PRIVATE,
    ACCESS_PUBLIC,
    ALIAS_KEY,
    ALPHA_PREFIX,
    AMBASSADOR_SERVICE_ANNOTATION,
    AWS_KEY_PREFIX,
    CONTROLLER,
    ENDPOINTS_TYPE,
    ENDPOINTS_TYPE_HOST_IP,
    ENDPOINTS_TYPE_NODE_EXTERNAL_IP,
    GA_PREFIX,
    GATEWAY_HOSTNAME_SOURCE,
    HOSTNAME,
    HOSTNAME_SOURCE_ANNOTATION_ONLY,
    HOSTNAME_SOURCE_DEFINED_HOSTS_ONLY,
    INGRESS,
    INGRESS_CLASS_ANNOTATION,
    INGRESS_HOSTNAME_SOURCE,
    INTERNAL_HOSTNAME,
    INVALID_ANNOTATION,
    PREFIXES,
    SET_IDENTIFIER,
    TARGET,
    TTL,
    Obj,
    Prefixes,
    annotations_of,
    choice,
    controller_matches,
    get,
    invalid,
    is_annotation_key,
    lookup,
    prefix_error,
    prefixes_for,
    split_list,
    values_under_any_prefix,
)
from zonekeeper.annotations.target_rules import (
    INVALID_TARGET,
    has_targets,
    target_error,
    targets,
)

__all__ = [
    "ACCESS",
    "ACCESS_PRIVATE",
    "ACCESS_PUBLIC",
    "ALIAS_KEY",
    "ALPHA_PREFIX",
    "AMBASSADOR_SERVICE_ANNOTATION",
    "AWS_KEY_PREFIX",
    "CONTROLLER",
    "ENDPOINTS_TYPE",
    "ENDPOINTS_TYPE_HOST_IP",
    "ENDPOINTS_TYPE_NODE_EXTERNAL_IP",
    "GATEWAY_HOSTNAME_SOURCE",
    "GA_PREFIX",
    "GEOPROXIMITY_BIAS",
    "GEOPROXIMITY_KEYS",
    "HEALTH_CHECK_ID",
    "HOSTNAME",
    "HOSTNAME_SOURCE_ANNOTATION_ONLY",
    "HOSTNAME_SOURCE_DEFINED_HOSTS_ONLY",
    "INGRESS",
    "INGRESS_CLASS_ANNOTATION",
    "INGRESS_HOSTNAME_SOURCE",
    "INTERNAL_HOSTNAME",
    "INVALID_ANNOTATION",
    "INVALID_HOSTNAME",
    "INVALID_TARGET",
    "MULTI_VALUE_ANSWER",
    "PREFIXES",
    "SET_IDENTIFIER",
    "TARGET",
    "TTL",
    "TTL_MAX",
    "TTL_MIN",
    "Common",
    "Obj",
    "Prefixes",
    "annotations_of",
    "check_hostname",
    "choice",
    "clean_hostname",
    "controller_matches",
    "finish_properties",
    "get",
    "has_targets",
    "hostname_error",
    "hostnames",
    "invalid",
    "is_annotation_key",
    "lookup",
    "parse_go_duration",
    "parse_ttl",
    "prefix_error",
    "prefixes_for",
    "provider_specific",
    "read_common",
    "split_list",
    "target_error",
    "targets",
    "ttl",
    "validate_property",
    "values_under_any_prefix",
    "without_root_dot",
]
