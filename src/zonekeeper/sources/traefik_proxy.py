"""The `traefik-proxy` source: Traefik's IngressRoute, IngressRouteTCP and IngressRouteUDP, as
external-dns v0.23.0's traefik source reads them.

One source of six primary kinds (`sources.base.Source`): the three kinds in the traefik.io group
(unless --traefik-disable-new) and in the legacy traefik.containo.us group (only with
--traefik-enable-legacy). Both groups' objects carry external-dns's `resource` labels,
`ingressroute/<ns>/<name>`, `ingressroutetcp/...` and `ingressrouteudp/...`.

Names: the `hostname` annotation (unless --ignore-hostname-annotation), plus for IngressRoute and
IngressRouteTCP every backquoted value inside `Host(...)`, `HostHeader(...)` and `HostSNI(...)` of each
spec.routes[].match (`*` skipped, as for TLS passthrough); IngressRouteUDP has no rules. Targets: the
`target` annotation only — Traefik's CRDs have no status address — so an object without one publishes
nothing (external-dns says so at debug level only, and so does zonekeeper: nothing). TTL, set identifier
and provider-specific annotations apply. --fqdn-template adds nothing here: external-dns gives template
names to these kinds only with targets from --target-template, which zonekeeper does not take.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from zonekeeper import annotations as ann
from zonekeeper.sources.base import Source, SourceConfig, SourceResult, SourceSpec
from zonekeeper.sources.common import (
    as_list,
    as_map,
    as_str,
    endpoints_for_hostnames,
    finish,
    only_itself,
    resource,
    spec_hostnames,
)
from zonekeeper.sources.objects import (
    TRAEFIK_INGRESSROUTES,
    TRAEFIK_INGRESSROUTETCPS,
    TRAEFIK_INGRESSROUTEUDPS,
    TRAEFIK_LEGACY_INGRESSROUTES,
    TRAEFIK_LEGACY_INGRESSROUTETCPS,
    TRAEFIK_LEGACY_INGRESSROUTEUDPS,
    Obj,
    ObjectView,
)

SOURCE_NAME = "traefik-proxy"

# external-dns's two expressions (traefikHostExtractor, traefikValueProcessor), RE2 and Python alike:
# a rule's host matchers, then each backquoted value in one.
HOST_MATCHER = re.compile(r"(?:HostSNI|HostHeader|Host)\s*\(\s*(`.*?`)\s*\)")
HOST_VALUE = re.compile(r"`([^,`]+)`")


def rule_hosts(match: str) -> list[str]:
    """The hostnames a Traefik rule matches on, in rule order (`*` and empty values left out)."""
    hosts: list[str] = []
    for matcher in HOST_MATCHER.finditer(match):
        for value in HOST_VALUE.finditer(matcher.group(0)):
            host = value.group(0).strip("`")
            if host and host != "*":
                hosts.append(host)
    return hosts


def _route_hosts(obj: Obj, subject: str, result: SourceResult) -> list[str]:
    hosts: list[str] = []
    for i, route in enumerate(as_list(as_map(obj.get("spec")).get("routes"))):
        found, problems = spec_hostnames(rule_hosts(as_str(as_map(route).get("match"))), subject,
                                         f"spec.routes[{i}].match")
        result.problems += problems
        hosts += [h for h in found if h not in hosts]
    return hosts


def _endpoints(label_kind: str, has_rules: bool) -> Callable[[Obj, ObjectView, SourceConfig], SourceResult]:
    def endpoints(obj: Obj, view: ObjectView, config: SourceConfig) -> SourceResult:
        subject = resource(label_kind, obj)
        prefixes = config.annotation_prefixes
        if not ann.controller_matches(obj, config.controller_name, prefixes=prefixes):
            return SourceResult()
        result = SourceResult()
        hosts = _route_hosts(obj, subject, result) if has_rules else []
        if not config.ignore_hostname_annotation:
            found, problems = ann.hostnames(obj, ann.HOSTNAME, subject, prefixes=prefixes)
            result.problems += problems
            hosts += [h for h in found if h not in hosts]
        if not hosts:
            return finish(result)
        common = ann.read_common(obj, subject, prefixes=prefixes, alias_true_only=config.alias_true_only)
        targets, problems = ann.targets(obj, subject, prefixes=prefixes)
        result.problems += common.problems + problems
        result.extend(endpoints_for_hostnames(hosts, targets, common, subject))
        return finish(result)

    return endpoints


def new_group(config: SourceConfig) -> bool:
    return not config.traefik_disable_new


def legacy_group(config: SourceConfig) -> bool:
    return config.traefik_enable_legacy


def _part(kind: str, label_kind: str, part: str, has_rules: bool,
          enabled: Callable[[SourceConfig], bool]) -> SourceSpec:
    return SourceSpec(SOURCE_NAME, kind, _endpoints(label_kind, has_rules), (kind,), only_itself(kind), label_kind,
                      part=part, enabled=enabled)


SOURCE = Source(SOURCE_NAME, (
    _part(TRAEFIK_INGRESSROUTES, "ingressroute", "ingressroute", True, new_group),
    _part(TRAEFIK_INGRESSROUTETCPS, "ingressroutetcp", "ingressroutetcp", True, new_group),
    _part(TRAEFIK_INGRESSROUTEUDPS, "ingressrouteudp", "ingressrouteudp", False, new_group),
    _part(TRAEFIK_LEGACY_INGRESSROUTES, "ingressroute", "legacy-ingressroute", True, legacy_group),
    _part(TRAEFIK_LEGACY_INGRESSROUTETCPS, "ingressroutetcp", "legacy-ingressroutetcp", True, legacy_group),
    _part(TRAEFIK_LEGACY_INGRESSROUTEUDPS, "ingressrouteudp", "legacy-ingressrouteudp", False, legacy_group),
))
