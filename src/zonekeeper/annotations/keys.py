"""Finding external-dns annotations on an object: the prefixes, the keys, the raw reads.

Which prefixes are read is plain data (`Prefixes`, in precedence order), carried by the source
configuration into every reader; nothing here holds it globally. `prefixes_for` is the one rule that
turns `--annotation-prefix` and `--enable-legacy-annotation-prefix` into it:

  neither flag given         the GA prefix `external-dns.kubernetes.io/`, then the legacy
                             `external-dns.alpha.kubernetes.io/` (zonekeeper's default, so a cluster
                             can move over without touching its manifests);
  --annotation-prefix=P      P only: instances sharding one cluster by prefix never read each other's
                             annotations (P itself may be the GA prefix);
  --enable-legacy-annotation-prefix
                             P (default the GA prefix), then the legacy prefix;
  --no-enable-legacy-annotation-prefix
                             P only: external-dns v0.23's own default.

When an object carries one key under two read prefixes the first wins, as in external-dns, where
the configured prefix overrides the legacy one.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from zonekeeper.endpoint import Problem

# The same alias as zonekeeper.sources.objects.Obj; not imported from there so that importing this
# module never drags in (and cycles through) the sources package.
Obj = Mapping[str, Any]

GA_PREFIX = "external-dns.kubernetes.io/"
ALPHA_PREFIX = "external-dns.alpha.kubernetes.io/"
# The prefixes read, in precedence order: the first prefix that has a key wins.
Prefixes = tuple[str, ...]
PREFIXES: Prefixes = (GA_PREFIX, ALPHA_PREFIX)

# Keys (without prefix).
HOSTNAME = "hostname"
INTERNAL_HOSTNAME = "internal-hostname"
TARGET = "target"
TTL = "ttl"
CONTROLLER = "controller"
SET_IDENTIFIER = "set-identifier"
ALIAS_KEY = "alias"
ACCESS = "access"
ENDPOINTS_TYPE = "endpoints-type"
INGRESS_HOSTNAME_SOURCE = "ingress-hostname-source"
GATEWAY_HOSTNAME_SOURCE = "gateway-hostname-source"
INGRESS = "ingress"
AWS_KEY_PREFIX = "aws-"
# Every key above; an annotation `<prefix><key>` is one of ours under some prefix.
KEYS = frozenset({HOSTNAME, INTERNAL_HOSTNAME, TARGET, TTL, CONTROLLER, SET_IDENTIFIER, ALIAS_KEY, ACCESS,
                  ENDPOINTS_TYPE, INGRESS_HOSTNAME_SOURCE, GATEWAY_HOSTNAME_SOURCE, INGRESS})

# Not prefixed: the classic ingress class annotation that `--ingress-class` also looks at.
INGRESS_CLASS_ANNOTATION = "kubernetes.io/ingress.class"
# Not prefixed either: the Service whose load balancer an Emissary (Ambassador) Host points at, and
# the Host's opt-in to the ambassador-host source.
AMBASSADOR_SERVICE_ANNOTATION = "external-dns.ambassador-service"

ACCESS_PUBLIC = "public"
ACCESS_PRIVATE = "private"
ENDPOINTS_TYPE_NODE_EXTERNAL_IP = "NodeExternalIP"
ENDPOINTS_TYPE_HOST_IP = "HostIP"
HOSTNAME_SOURCE_DEFINED_HOSTS_ONLY = "defined-hosts-only"
HOSTNAME_SOURCE_ANNOTATION_ONLY = "annotation-only"

# The Problem reason for an annotation whose value is malformed.
INVALID_ANNOTATION = "InvalidAnnotation"


def annotations_of(obj: Obj) -> Mapping[str, str]:
    metadata = obj.get("metadata")
    # Exact-class tests first: objects are plain dicts, and the Mapping ABC check is slow (this runs
    # seven times per Service).
    if metadata.__class__ is not dict and not isinstance(metadata, Mapping):
        return {}
    raw = metadata.get("annotations")
    if raw.__class__ is not dict and not isinstance(raw, Mapping):
        return {}
    # Values are strings once an object is read (`kube.resources.decode` reports any other type and
    # leaves it out); nothing here turns a number or a list into text.
    return {k: v for k, v in raw.items() if isinstance(k, str) and isinstance(v, str)}


def prefixes_for(prefix: str, legacy: bool | None) -> Prefixes:
    """The prefixes read, from `--annotation-prefix` ("" when not given) and
    `--enable-legacy-annotation-prefix` (None when not given). Validated by `prefix_error`."""
    chosen = prefix or GA_PREFIX
    if legacy is True or (legacy is None and not prefix):
        return (chosen, ALPHA_PREFIX) if chosen != ALPHA_PREFIX else (chosen,)
    return (chosen,)


def prefix_error(prefix: str, legacy: bool | None) -> str | None:
    """What is wrong with the two prefix flags together (external-dns's validation), or None."""
    if not prefix:
        return None
    if not prefix.endswith("/"):
        return f"--annotation-prefix {prefix!r} must end with '/'"
    if legacy is True and prefix.startswith(ALPHA_PREFIX):
        return (f"--enable-legacy-annotation-prefix cannot be used with --annotation-prefix {prefix}, "
                "which starts with the legacy prefix")
    return None


def lookup(annotations: Mapping[str, str], key: str, prefixes: Prefixes) -> tuple[str, str] | None:
    """(full annotation name, value) for `key` under the winning prefix, or None when absent."""
    for prefix in prefixes:
        full = prefix + key
        if full in annotations:
            return full, annotations[full]
    return None


def get(obj: Obj, key: str, *, prefixes: Prefixes) -> str | None:
    """The value of `key` under the winning prefix, or None when absent."""
    found = lookup(annotations_of(obj), key, prefixes)
    return None if found is None else found[1]


def is_annotation_key(full: str) -> bool:
    """True when `full` is `<some prefix>/<one of our keys>` (an `aws-<x>` key included)."""
    _, slash, key = full.rpartition("/")
    return bool(slash) and (key in KEYS or key.startswith(AWS_KEY_PREFIX))


def values_under_any_prefix(obj: Obj, key: str) -> list[str]:
    """The values of every annotation `<any prefix>/<key>`: for callers without the source
    configuration (dependents) that must not miss an object whatever the prefixes read."""
    return [value for full, value in annotations_of(obj).items() if full.rpartition("/")[2] == key and "/" in full]


def invalid(subject: str, annotation: str, value: str, why: str) -> Problem:
    return Problem(subject, INVALID_ANNOTATION, f"annotation {annotation}: invalid value {value!r}: {why}")


def controller_matches(obj: Obj, controller_name: str, *, prefixes: Prefixes) -> bool:
    """False when the object names another controller and must be left alone."""
    value = get(obj, CONTROLLER, prefixes=prefixes)
    return value is None or value == controller_name


def split_list(value: str) -> list[str]:
    """The comma-separated entries of `value`, each without surrounding whitespace; empty entries
    are kept (as "") for the caller to report.

    external-dns deletes every space before splitting, which turns `sp ace.example.com` into
    `space.example.com`; here a space inside an entry stays, and the entry is then refused.
    """
    return [part.strip() for part in value.split(",")]


def choice(
    obj: Obj, key: str, allowed: tuple[str, ...], subject: str, *, prefixes: Prefixes, case_sensitive: bool = False
) -> tuple[str | None, list[Problem]]:
    """An enumerated annotation (`access`, `endpoints-type`, `*-hostname-source`).

    Returns the canonical spelling from `allowed`, or None when absent or invalid (with a Problem).
    """
    found = lookup(annotations_of(obj), key, prefixes)
    if found is None:
        return None, []
    annotation, value = found
    for option in allowed:
        if value.strip() == option or (not case_sensitive and value.strip().lower() == option.lower()):
            return option, []
    return None, [invalid(subject, annotation, value, "want one of " + ", ".join(allowed))]
