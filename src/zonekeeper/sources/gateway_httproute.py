"""The `gateway-httproute` source: Gateway API (gateway.networking.k8s.io/v1) HTTPRoutes.

A route's hostnames (spec.hostnames, plus the `hostname` annotation; `gateway-hostname-source`
narrows to `defined-hosts-only` or `annotation-only`) are intersected with the hostname of every
listener it attaches to. A route without spec.hostnames takes each listener's hostname.

Attachment is decided from the spec (unlike external-dns, route status is not consulted):
  - parentRefs of group gateway.networking.k8s.io and kind Gateway (the defaults); the namespace
    defaults to the route's; sectionName and port narrow the listeners;
  - listeners of protocol HTTP or HTTPS;
  - allowedRoutes.namespaces.from: Same (the default) needs the route in the Gateway's namespace,
    All admits every namespace, Selector is treated as All because namespaces are not watched;
  - allowedRoutes.kinds, when given, must list HTTPRoute.
Targets: the Gateway's `target` annotation, else Gateway.status.addresses[].value. TTL,
set-identifier and provider-specific annotations come from the route.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from zonekeeper import annotations as ann
from zonekeeper.endpoint import Problem
from zonekeeper.sources import fqdn
from zonekeeper.sources.base import SourceConfig, SourceResult, SourceSpec
from zonekeeper.sources.common import (
    as_list,
    as_map,
    as_str,
    dedupe,
    dig,
    endpoints_for_hostnames,
    finish,
    resource,
    spec_hostnames,
)
from zonekeeper.sources.objects import GATEWAYS, HTTPROUTES, Obj, ObjectView, name_of, namespace_of

SPEC_NAME = "gateway-httproute"
KIND = "httproute"
GATEWAY_GROUP = "gateway.networking.k8s.io"
ROUTE_KIND = "HTTPRoute"


def parent_refs(route: Obj) -> list[tuple[str, str, str, int | None]]:
    """(namespace, name, sectionName, port) of each Gateway parentRef."""
    refs: list[tuple[str, str, str, int | None]] = []
    for raw in as_list(dig(route, "spec", "parentRefs")):
        ref = as_map(raw)
        group = as_str(ref.get("group")) or GATEWAY_GROUP
        kind = as_str(ref.get("kind")) or "Gateway"
        name = as_str(ref.get("name"))
        if group != GATEWAY_GROUP or kind != "Gateway" or not name:
            continue
        port = ref.get("port")
        refs.append(
            (
                as_str(ref.get("namespace")) or namespace_of(route),
                name,
                as_str(ref.get("sectionName")),
                port if isinstance(port, int) and not isinstance(port, bool) else None,
            )
        )
    return refs


def gateways_for_route(route: Obj, view: ObjectView) -> list[tuple[str, str]]:
    """Every Gateway (namespace, name) the route names, whether it exists yet or not."""
    return list(dict.fromkeys((ns, name) for ns, name, _, _ in parent_refs(route)))


def _canonical(host: str) -> str | None:
    """Lower-cased listener/route hostname; "" means any; None when it is not a valid DNS name."""
    host = ann.clean_hostname(host)
    if not host:
        return ""
    if ann.hostname_error(host) is not None:
        return None
    return host


def matching_host(a: str, b: str) -> str | None:
    """The more specific of two overlapping hostnames ("" matches anything), or None.

    A leading `*.` is a suffix match: `*.example.com` matches `a.example.com` and `a.b.example.com`
    but not `example.com` (Gateway API semantics, as in external-dns's gwMatchingHost).
    """
    ca, cb = _canonical(a), _canonical(b)
    if ca is None or cb is None:
        return None
    if not ca:
        return cb
    if not cb or ca == cb:
        return ca
    # Let `ca` be the wildcard candidate: the shorter one, or the wildcard when lengths are equal.
    if len(cb) < len(ca) or (len(ca) == len(cb) and cb.startswith("*.")):
        ca, cb = cb, ca
    if ca.startswith("*.") and cb.endswith(ca[1:]):
        return cb
    return None


def _route_allowed(gateway: Obj, listener: Mapping[str, Any], route: Obj) -> bool:
    if as_str(listener.get("protocol")).upper() not in ("HTTP", "HTTPS"):
        return False
    allowed = as_map(listener.get("allowedRoutes"))
    origin = as_str(dig(allowed, "namespaces", "from")) or "Same"
    if origin == "Same":
        if namespace_of(gateway) != namespace_of(route):
            return False
    elif origin not in ("All", "Selector"):
        return False
    kinds = as_list(allowed.get("kinds"))
    if not kinds:
        return True
    return any(
        (as_str(as_map(k).get("group")) or GATEWAY_GROUP) == GATEWAY_GROUP
        and as_str(as_map(k).get("kind")) == ROUTE_KIND
        for k in kinds
    )


def gateway_targets(gateway: Obj, subject: str, prefixes: ann.Prefixes) -> tuple[list[str], list[Problem]]:
    """The Gateway's `target` annotation, else its status addresses; Problems go to `subject`."""
    if ann.has_targets(gateway, prefixes=prefixes):
        targets, problems = ann.targets(gateway, subject, prefixes=prefixes)
        where = f"Gateway {namespace_of(gateway)}/{name_of(gateway)}"
        return targets, [Problem(p.subject, p.reason, f"{where}: {p.message}") for p in problems]
    addresses = [as_str(as_map(a).get("value")).strip() for a in as_list(dig(gateway, "status", "addresses"))]
    return dedupe(addresses), []


def route_hosts(route: Obj, config: SourceConfig, subject: str) -> tuple[list[str], list[Problem]]:
    problems: list[Problem] = []
    raw_spec = [as_str(h) for h in as_list(dig(route, "spec", "hostnames")) if as_str(h).strip()]
    spec_names: list[str] = []
    for i, host in enumerate(raw_spec):
        found, bad = spec_hostnames([host], subject, f"spec.hostnames[{i}]")
        problems += bad
        spec_names += [n for n in found if n not in spec_names]

    source, bad = ann.choice(
        route,
        ann.GATEWAY_HOSTNAME_SOURCE,
        (ann.HOSTNAME_SOURCE_DEFINED_HOSTS_ONLY, ann.HOSTNAME_SOURCE_ANNOTATION_ONLY),
        subject,
        prefixes=config.annotation_prefixes,
    )
    problems += bad
    if source == ann.HOSTNAME_SOURCE_DEFINED_HOSTS_ONLY:
        return _with_template(route, config, subject, spec_names, problems)
    annotated: list[str] = []
    if not config.ignore_hostname_annotation:
        annotated, bad = ann.hostnames(route, ann.HOSTNAME, subject, prefixes=config.annotation_prefixes)
        problems += bad
    if source == ann.HOSTNAME_SOURCE_ANNOTATION_ONLY:
        return annotated, problems
    named, problems = _with_template(route, config, subject, [*spec_names, *annotated], problems)
    # A route without hostnames of its own takes whatever its listeners name ("" = any).
    hosts = spec_names + ([""] if not raw_spec else [])
    return hosts + [h for h in named if h not in hosts], problems


def _with_template(
    route: Obj, config: SourceConfig, subject: str, hosts: list[str], problems: list[Problem]
) -> tuple[list[str], list[Problem]]:
    """--fqdn-template's names added when the route named none (or always, combining), as external-dns
    does: before the listeners' fallback, ahead of matching them against listener hostnames."""
    template = config.fqdn_template
    if template is None or not fqdn.use_template(template, config.combine_fqdn_annotation, bool(hosts)):
        return hosts, problems
    names, bad = fqdn.hostnames(template, route, SPEC_NAME, subject)
    return hosts + [n for n in names if n not in hosts], problems + bad


def _listeners(gateway: Obj, section: str, port: int | None, route: Obj) -> list[Mapping[str, Any]]:
    """The Gateway's listeners a parentRef (its sectionName and port, when given) attaches `route` to."""
    listeners = [as_map(listener) for listener in as_list(dig(gateway, "spec", "listeners"))]
    if section:
        listeners = [lis for lis in listeners if as_str(lis.get("name")) == section]
    if port is not None:
        listeners = [lis for lis in listeners if lis.get("port") == port]
    return [lis for lis in listeners if _route_allowed(gateway, lis, route)]


def _bound_hosts(listeners: list[Mapping[str, Any]], hosts: list[str]) -> list[str]:
    """Each host the route gets from these listeners, once per listener that grants it."""
    bound: list[str] = []
    for listener in listeners:
        listener_host = as_str(listener.get("hostname"))
        for route_host in hosts:
            if not listener_host.strip() and not route_host:
                continue  # neither names a host: nothing to publish
            host = matching_host(listener_host, route_host)
            if host:
                bound.append(host)
    return bound


def endpoints(obj: Obj, view: ObjectView, config: SourceConfig) -> SourceResult:
    subject = resource(KIND, obj)
    if not ann.controller_matches(obj, config.controller_name, prefixes=config.annotation_prefixes):
        return SourceResult()
    result = SourceResult()
    hosts, problems = route_hosts(obj, config, subject)
    result.problems += problems
    if not hosts:
        return result
    common = ann.read_common(obj, subject, prefixes=config.annotation_prefixes,
                             alias_true_only=config.alias_true_only)
    result.problems += common.problems

    host_targets: dict[str, list[str]] = {}
    for namespace, name, section, port in parent_refs(obj):
        gateway = view.get(GATEWAYS, namespace, name)
        if gateway is None:
            continue  # not there yet; the route's status says why, not us
        listeners = _listeners(gateway, section, port, obj)
        if not listeners:
            continue
        targets, problems = gateway_targets(gateway, subject, config.annotation_prefixes)
        result.problems += problems
        for host in _bound_hosts(listeners, hosts):
            host_targets.setdefault(host, [])
            host_targets[host] += targets

    for host, targets in host_targets.items():
        result.extend(endpoints_for_hostnames([host], dedupe(targets), common, subject))
    return finish(result)


def dependents(kind: str, obj: Obj, view: ObjectView) -> Iterator[tuple[str, str]]:
    """Routes whose records can change when `obj` changes (call with old and new versions)."""
    if kind == HTTPROUTES:
        yield namespace_of(obj), name_of(obj)
    elif kind == GATEWAYS:
        key = (namespace_of(obj), name_of(obj))
        for route in view.list(HTTPROUTES):
            if key in gateways_for_route(route, view):
                yield namespace_of(route), name_of(route)


SPEC = SourceSpec(SPEC_NAME, HTTPROUTES, endpoints, (HTTPROUTES, GATEWAYS), dependents, KIND)
