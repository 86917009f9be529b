"""The `istio-virtualservice` source: networking.istio.io VirtualServices.

Hostnames: spec.hosts (a bare `*` is skipped) plus the `hostname` annotation. Each host takes the
targets of every Gateway in spec.gateways that the VirtualService binds to for that host (Istio's
rules, as external-dns implements them in `virtualServiceBindsToGateway`):
  - spec.exportTo is empty, or lists `*`, the Gateway's namespace, or `.` when both share a namespace;
  - one of the Gateway's servers[].hosts, in `[namespace/]host` form, has a namespace part of `*`,
    the VirtualService's namespace or `.` (same namespace), and a host part of `*`, a `*.suffix` the
    VirtualService host ends with, or the VirtualService host itself.
The VirtualService's own `target` annotation replaces all of that.
"""

from __future__ import annotations

from collections.abc import Iterator

from zonekeeper import annotations as ann
from zonekeeper.endpoint import Problem
from zonekeeper.sources.base import SourceConfig, SourceResult, SourceSpec
from zonekeeper.sources.common import (
    as_list,
    as_map,
    as_str,
    dedupe,
    dig,
    endpoints_for_hostnames,
    publish_hosts,
    resource,
    spec_hostnames,
)
from zonekeeper.sources.istio_gateway import dependents as gateway_dependents
from zonekeeper.sources.istio_gateway import gateway_targets, parse_ref
from zonekeeper.sources.objects import (
    INGRESSES,
    ISTIO_GATEWAYS,
    ISTIO_VIRTUALSERVICES,
    SERVICES,
    Obj,
    ObjectView,
    name_of,
    namespace_of,
)

SPEC_NAME = "istio-virtualservice"
KIND = "virtualservice"
MESH = "mesh"
INVALID_GATEWAY_REFERENCE = "InvalidGatewayReference"


def gateway_refs(vs: Obj) -> tuple[list[tuple[str, str]], list[str]]:
    """(namespace, name) of each Gateway in spec.gateways (`mesh` skipped), and the malformed entries."""
    refs: list[tuple[str, str]] = []
    bad: list[str] = []
    for raw in as_list(dig(vs, "spec", "gateways")):
        value = as_str(raw).strip()
        if not value or value == MESH:
            continue
        ref = parse_ref(value, namespace_of(vs))
        if ref is None:
            bad.append(value)
        elif ref not in refs:
            refs.append(ref)
    return refs, bad


def exported_to(vs: Obj, gateway_namespace: str) -> bool:
    export_to = [as_str(x) for x in as_list(dig(vs, "spec", "exportTo"))]
    if not export_to:
        return True
    vs_namespace = namespace_of(vs)
    return any(
        ns in ("*", gateway_namespace) or (ns == "." and gateway_namespace == vs_namespace)
        for ns in export_to
    )


def binds(vs: Obj, gateway: Obj, host: str) -> bool:
    """Whether `vs` binds to `gateway` for `host`."""
    gateway_namespace = namespace_of(gateway)
    if not exported_to(vs, gateway_namespace):
        return False
    vs_namespace = namespace_of(vs)
    host = host.lower()
    for server in as_list(dig(gateway, "spec", "servers")):
        for raw in as_list(as_map(server).get("hosts")):
            parts = as_str(raw).strip().lower().split("/")
            if len(parts) == 1:
                namespace, server_host = "*", parts[0]
            elif len(parts) == 2:
                namespace, server_host = parts
            else:
                continue
            if not (
                namespace in ("*", vs_namespace) or (namespace == "." and vs_namespace == gateway_namespace)
            ):
                continue
            server_host = ann.without_root_dot(server_host)
            if server_host == "*" or server_host == host:
                return True
            if server_host.startswith("*.") and host.endswith(server_host[1:]):
                return True
    return False


def vs_hosts(vs: Obj, subject: str) -> tuple[list[str], list[Problem]]:
    names: list[str] = []
    problems: list[Problem] = []
    for i, raw in enumerate(as_list(dig(vs, "spec", "hosts"))):
        host = as_str(raw).strip().rpartition("/")[2]
        if host in ("", "*"):
            continue
        found, bad = spec_hostnames([host], subject, f"spec.hosts[{i}]")
        problems += bad
        names += [n for n in found if n not in names]
    return names, problems


def endpoints(obj: Obj, view: ObjectView, config: SourceConfig) -> SourceResult:
    subject = resource(KIND, obj)
    if not ann.controller_matches(obj, config.controller_name, prefixes=config.annotation_prefixes):
        return SourceResult()
    result = SourceResult()
    hosts, problems = vs_hosts(obj, subject)
    result.problems += problems
    return publish_hosts(obj, hosts, result, config, SPEC_NAME, subject,
                         lambda names: _records(obj, names, view, config, subject))


def _records(obj: Obj, hosts: list[str], view: ObjectView, config: SourceConfig, subject: str) -> SourceResult:
    result = SourceResult()
    common = ann.read_common(obj, subject, prefixes=config.annotation_prefixes,
                             alias_true_only=config.alias_true_only)
    result.problems += common.problems
    if ann.has_targets(obj, prefixes=config.annotation_prefixes):
        targets, problems = ann.targets(obj, subject, prefixes=config.annotation_prefixes)
        result.problems += problems
        result.extend(endpoints_for_hostnames(hosts, targets, common, subject))
        return result

    refs, bad = gateway_refs(obj)
    for value in bad:
        result.problems.append(
            Problem(
                subject,
                INVALID_GATEWAY_REFERENCE,
                f"spec.gateways: invalid entry {value!r}: want [namespace/]name",
            )
        )
    # Resolve each Gateway's targets once; a missing Gateway binds nothing (it may not exist yet).
    gateways: list[tuple[Obj, list[str], list[Problem]]] = []
    for ref in refs:
        gateway = view.get(ISTIO_GATEWAYS, *ref)
        if gateway is not None:
            gateways.append((gateway, *gateway_targets(gateway, view, config.annotation_prefixes)))
    for host in hosts:
        bound: list[str] = []
        for gateway, gateway_target_list, gateway_problems in gateways:
            if binds(obj, gateway, host):
                bound += gateway_target_list
                result.problems += gateway_problems
        result.extend(endpoints_for_hostnames([host], dedupe(bound), common, subject))
    return result


def dependents(kind: str, obj: Obj, view: ObjectView) -> Iterator[tuple[str, str]]:
    """VirtualServices whose records can change when `obj` changes (call with old and new versions)."""
    if kind == ISTIO_VIRTUALSERVICES:
        yield namespace_of(obj), name_of(obj)
        return
    if kind == ISTIO_GATEWAYS:
        gateways = {(namespace_of(obj), name_of(obj))}
    elif kind in (SERVICES, INGRESSES):
        gateways = set(gateway_dependents(kind, obj, view))
    else:
        return
    if not gateways:
        return
    for vs in view.list(ISTIO_VIRTUALSERVICES):
        if gateways.intersection(gateway_refs(vs)[0]):
            yield namespace_of(vs), name_of(vs)


SPEC = SourceSpec(
    SPEC_NAME,
    ISTIO_VIRTUALSERVICES,
    endpoints,
    (ISTIO_VIRTUALSERVICES, ISTIO_GATEWAYS, SERVICES, INGRESSES),
    dependents,
    KIND,
)
