"""The `istio-gateway` source: networking.istio.io Gateways (v1, v1beta1 and v1alpha3 alike).

Hostnames: spec.servers[].hosts without their `namespace/` part (a bare `*` means "any host" and
publishes nothing) plus the `hostname` annotation. Targets, first that applies:
  1. the Gateway's `target` annotation;
  2. the `ingress` annotation `[namespace/]name`: that Ingress's load balancer (IP, else hostname);
  3. every Service, in any namespace, whose spec.selector includes the Gateway's spec.selector: its
     spec.externalIPs, else its load balancer entries (IP, else hostname).
"""

from __future__ import annotations

from collections.abc import Iterator

from zonekeeper import annotations as ann
from zonekeeper.endpoint import Problem
from zonekeeper.sources.base import SourceConfig, SourceResult, SourceSpec
from zonekeeper.sources.common import (
    REFERENCE_NOT_FOUND,
    as_list,
    as_map,
    as_str,
    dedupe,
    dig,
    endpoints_for_hostnames,
    load_balancer_targets,
    publish_hosts,
    resource,
    selector_matches,
    spec_hostnames,
    str_map,
)
from zonekeeper.sources.objects import (
    INGRESSES,
    ISTIO_GATEWAYS,
    SERVICES,
    Obj,
    ObjectView,
    name_of,
    namespace_of,
)

SPEC_NAME = "istio-gateway"
KIND = "gateway"


def gateway_hosts(gateway: Obj, subject: str) -> tuple[list[str], list[Problem]]:
    names: list[str] = []
    problems: list[Problem] = []
    for i, server in enumerate(as_list(dig(gateway, "spec", "servers"))):
        for j, raw in enumerate(as_list(as_map(server).get("hosts"))):
            host = as_str(raw).strip()
            where = f"spec.servers[{i}].hosts[{j}]"
            if host.count("/") > 1:
                problems.append(
                    Problem(
                        subject,
                        ann.INVALID_HOSTNAME,
                        f"{where}: invalid host {host!r}: want [namespace/]host",
                    )
                )
                continue
            host = host.rpartition("/")[2]
            if host in ("", "*"):
                continue
            found, bad = spec_hostnames([host], subject, where)
            problems += bad
            names += [n for n in found if n not in names]
    return names, problems


def parse_ref(value: str, default_namespace: str) -> tuple[str, str] | None:
    """`[namespace/]name` -> (namespace, name), or None when malformed."""
    parts = value.strip().split("/")
    if len(parts) == 1 and parts[0]:
        return default_namespace, parts[0]
    if len(parts) == 2 and parts[1]:
        return parts[0] or default_namespace, parts[1]
    return None


def ingress_refs(gateway: Obj) -> set[tuple[str, str]]:
    """Every Ingress an `ingress` annotation names under any prefix: dependents have no source
    configuration, so they look wider than the source reads (a needless re-plan is harmless)."""
    refs = (parse_ref(value, namespace_of(gateway)) for value in ann.values_under_any_prefix(gateway, ann.INGRESS))
    return {ref for ref in refs if ref is not None}


def services_for_gateway(gateway: Obj, view: ObjectView) -> list[Obj]:
    """Services whose spec.selector contains every key/value of the Gateway's spec.selector.

    external-dns matches every Service when the Gateway has no selector, which turns every load
    balancer in the cluster into a target; zonekeeper matches none instead.
    """
    selector = str_map(dig(gateway, "spec", "selector"))
    if not selector:
        return []
    matched = [
        svc
        for svc in view.list(SERVICES)
        if selector_matches(selector, str_map(dig(svc, "spec", "selector")))
    ]
    return sorted(matched, key=lambda s: (namespace_of(s), name_of(s)))


def gateway_targets(gateway: Obj, view: ObjectView, prefixes: ann.Prefixes) -> tuple[list[str], list[Problem]]:
    """The Gateway's targets, with Problems reported against the Gateway."""
    subject = resource(KIND, gateway)
    if ann.has_targets(gateway, prefixes=prefixes):
        return ann.targets(gateway, subject, prefixes=prefixes)
    found = ann.lookup(ann.annotations_of(gateway), ann.INGRESS, prefixes)
    if found is not None and found[1].strip():
        annotation, value = found
        ref = parse_ref(value, namespace_of(gateway))
        if ref is None:
            message = f"annotation {annotation}: invalid value {value!r}: want [namespace/]name"
            return [], [Problem(subject, ann.INVALID_ANNOTATION, message)]
        ingress = view.get(INGRESSES, *ref)
        if ingress is None:
            message = f"annotation {annotation}: Ingress {ref[0]}/{ref[1]} not found"
            return [], [Problem(subject, REFERENCE_NOT_FOUND, message)]
        return load_balancer_targets(ingress, ip_and_hostname=False), []
    targets: list[str] = []
    for svc in services_for_gateway(gateway, view):
        ips = dedupe(as_str(ip).strip() for ip in as_list(dig(svc, "spec", "externalIPs")))
        targets += ips or load_balancer_targets(svc, ip_and_hostname=False)
    return dedupe(targets), []


def endpoints(obj: Obj, view: ObjectView, config: SourceConfig) -> SourceResult:
    subject = resource(KIND, obj)
    if not ann.controller_matches(obj, config.controller_name, prefixes=config.annotation_prefixes):
        return SourceResult()
    result = SourceResult()
    hosts, problems = gateway_hosts(obj, subject)
    result.problems += problems
    return publish_hosts(obj, hosts, result, config, SPEC_NAME, subject,
                         lambda names: _records(obj, names, view, config, subject))


def _records(obj: Obj, hosts: list[str], view: ObjectView, config: SourceConfig, subject: str) -> SourceResult:
    result = SourceResult()
    common = ann.read_common(obj, subject, prefixes=config.annotation_prefixes,
                             alias_true_only=config.alias_true_only)
    result.problems += common.problems
    targets, problems = gateway_targets(obj, view, config.annotation_prefixes)
    result.problems += problems
    result.extend(endpoints_for_hostnames(hosts, targets, common, subject))
    return result


def dependents(kind: str, obj: Obj, view: ObjectView) -> Iterator[tuple[str, str]]:
    """Gateways whose records can change when `obj` changes (call with old and new versions)."""
    if kind == ISTIO_GATEWAYS:
        yield namespace_of(obj), name_of(obj)
    elif kind == SERVICES:
        svc_selector = str_map(dig(obj, "spec", "selector"))
        # Every Gateway selecting it, even one whose annotations name its targets under some prefix:
        # which prefixes count is the source configuration's, which dependents do not have.
        for gateway in view.list(ISTIO_GATEWAYS):
            selector = str_map(dig(gateway, "spec", "selector"))
            if selector and selector_matches(selector, svc_selector):
                yield namespace_of(gateway), name_of(gateway)
    elif kind == INGRESSES:
        key = (namespace_of(obj), name_of(obj))
        for gateway in view.list(ISTIO_GATEWAYS):
            if key in ingress_refs(gateway):
                yield namespace_of(gateway), name_of(gateway)


SPEC = SourceSpec(SPEC_NAME, ISTIO_GATEWAYS, endpoints, (ISTIO_GATEWAYS, SERVICES, INGRESSES), dependents, KIND)
