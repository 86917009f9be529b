"""The `gloo-proxy` source: Gloo Edge Proxies (gloo.solo.io/v1), as external-dns v0.23.0.

Only Proxies in a --gloo-namespace (default `gloo-system`) are read, whatever --namespace says (as
in external-dns, which watches them cluster-wide). Names: every domain (without a trailing dot) of
every virtual host of every listener: spec.listeners[].httpListener.virtualHosts[] and, for
Gateways with isolateVirtualHostsBySslConfig, the aggregateListener's virtual hosts its filter
chains name. A virtual host's TTL, set identifier and provider-specific annotations come from the
gateway.solo.io VirtualServices its metadata (and metadataStatic) sources name, merged in order.
Targets, first that gives any:
  1. the Proxy's `target` annotation;
  2. for each listener's metadataStatic source of kind `*v1.Gateway`: that gateway.solo.io
     Gateway's `ingress` annotation `[namespace/]name`: the Ingress's load balancer (IP, else hostname);
  3. the Service of the Proxy's name and namespace, when it is a LoadBalancer: every IP and hostname.
Objects naming another `controller` are left alone.

external-dns puts no `resource` label on these records (Problems still name `proxy/<ns>/<name>`);
neither does zonekeeper, so either tool takes over the other's records unchanged. --fqdn-template
changes nothing here in external-dns without --target-template (which zonekeeper refuses), so it is
not applied. Where external-dns fails the whole pass (a referenced Gateway, Ingress, Service or
VirtualService missing), zonekeeper reports a Problem against the Proxy and goes on with the others.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from zonekeeper import annotations as ann
from zonekeeper.endpoint import RESOURCE_LABEL, Problem
from zonekeeper.sources.base import SourceConfig, SourceResult, SourceSpec
from zonekeeper.sources.common import (
    REFERENCE_NOT_FOUND,
    as_list,
    as_map,
    as_str,
    dedupe,
    dig,
    endpoints_for_hostnames,
    finish,
    load_balancer_targets,
    resource,
    spec_hostnames,
)
from zonekeeper.sources.istio_gateway import parse_ref
from zonekeeper.sources.objects import (
    GLOO_GATEWAYS,
    GLOO_PROXIES,
    GLOO_VIRTUALSERVICES,
    INGRESSES,
    SERVICES,
    Obj,
    ObjectView,
    name_of,
    namespace_of,
)

SOURCE_NAME = "gloo-proxy"
KIND = "proxy"
# The resource kinds Gloo writes into a Proxy's metadata sources (Go type names).
VIRTUAL_SERVICE_SOURCE = "*v1.VirtualService"
GATEWAY_SOURCE = "*v1.Gateway"
UNSUPPORTED_SERVICE_TYPE = "UnsupportedServiceType"

Ref = tuple[str, str]


def virtual_hosts(proxy: Obj) -> list[Mapping[str, Any]]:
    """Every virtual host of every listener, HTTP listeners' first, then the aggregate listener's
    that its filter chains name (each time it is named, as external-dns does)."""
    found: list[Mapping[str, Any]] = []
    for listener in as_list(dig(proxy, "spec", "listeners")):
        found += [as_map(vh) for vh in as_list(dig(listener, "httpListener", "virtualHosts"))]
        shared = as_map(dig(listener, "aggregateListener", "httpResources", "virtualHosts"))
        for chain in as_list(dig(listener, "aggregateListener", "httpFilterChains")):
            for ref in as_list(as_map(chain).get("virtualHostRefs")):
                if isinstance(ref, str) and ref in shared:
                    found.append(as_map(shared[ref]))
    return found


def _static_refs(sources: Any, kind: str) -> list[Ref]:
    return [(as_str(dig(src, "resourceRef", "namespace")), as_str(dig(src, "resourceRef", "name")))
            for src in as_list(sources) if as_str(as_map(src).get("resourceKind")) == kind]


def virtual_service_refs(virtual_host: Mapping[str, Any]) -> list[Ref]:
    """The VirtualServices a virtual host came from: its metadata sources, then its metadataStatic ones."""
    dynamic = [(as_str(as_map(src).get("namespace")), as_str(as_map(src).get("name")))
               for src in as_list(dig(virtual_host, "metadata", "sources"))
               if as_str(as_map(src).get("kind")) == VIRTUAL_SERVICE_SOURCE]
    return dynamic + _static_refs(dig(virtual_host, "metadataStatic", "sources"), VIRTUAL_SERVICE_SOURCE)


def gateway_refs(proxy: Obj) -> list[Ref]:
    """The gateway.solo.io Gateways the Proxy's listeners came from."""
    return [ref for listener in as_list(dig(proxy, "spec", "listeners"))
            for ref in _static_refs(dig(listener, "metadataStatic", "sources"), GATEWAY_SOURCE)]


def _missing(subject: str, what: str, ref: Ref) -> Problem:
    return Problem(subject, REFERENCE_NOT_FOUND, f"{what} {ref[0]}/{ref[1]} not found")


def _gateway_ingress_targets(proxy: Obj, view: ObjectView, config: SourceConfig,
                             subject: str) -> tuple[list[str], list[Problem]]:
    targets: list[str] = []
    for ref in gateway_refs(proxy):
        gateway = view.get(GLOO_GATEWAYS, *ref)
        if gateway is None:
            return [], [_missing(subject, "gateway.solo.io Gateway", ref)]
        found = ann.lookup(ann.annotations_of(gateway), ann.INGRESS, config.annotation_prefixes)
        if found is None or not found[1]:
            continue
        ingress_ref = parse_ref(found[1], namespace_of(gateway))
        if ingress_ref is None:
            why = "want [namespace/]name"
            return [], [ann.invalid(f"{subject} (Gateway {ref[0]}/{ref[1]})", found[0], found[1], why)]
        ingress = view.get(INGRESSES, *ingress_ref)
        if ingress is None:
            return [], [_missing(subject, f"Gateway {ref[0]}/{ref[1]} annotation {found[0]}: Ingress", ingress_ref)]
        targets += load_balancer_targets(ingress, ip_and_hostname=False)
    return dedupe(targets), []


def proxy_targets(proxy: Obj, view: ObjectView, config: SourceConfig, subject: str) -> tuple[list[str], list[Problem]]:
    """The Proxy's targets (see the module docstring), with Problems reported against the Proxy."""
    if ann.has_targets(proxy, prefixes=config.annotation_prefixes):
        return ann.targets(proxy, subject, prefixes=config.annotation_prefixes)
    targets, problems = _gateway_ingress_targets(proxy, view, config, subject)
    if targets or problems:
        return targets, problems
    ref = (namespace_of(proxy), name_of(proxy))
    svc = view.get(SERVICES, *ref)
    if svc is None:
        return [], [_missing(subject, "Service", ref)]
    kind = as_str(dig(svc, "spec", "type"))
    if kind != "LoadBalancer":
        message = f"Service {ref[0]}/{ref[1]} is of type {kind or 'ClusterIP'}; only a LoadBalancer gives targets"
        return [], [Problem(subject, UNSUPPORTED_SERVICE_TYPE, message)]
    return load_balancer_targets(svc), []


def _merged_annotations(virtual_host: Mapping[str, Any], view: ObjectView,
                        subject: str) -> tuple[dict[str, str] | None, list[Problem]]:
    merged: dict[str, str] = {}
    for ref in virtual_service_refs(virtual_host):
        virtual_service = view.get(GLOO_VIRTUALSERVICES, *ref)
        if virtual_service is None:
            return None, [_missing(subject, "gateway.solo.io VirtualService", ref)]
        merged.update(ann.annotations_of(virtual_service))
    return merged, []


def endpoints(obj: Obj, view: ObjectView, config: SourceConfig) -> SourceResult:
    if namespace_of(obj) not in config.gloo_namespaces:
        return SourceResult()
    if not ann.controller_matches(obj, config.controller_name, prefixes=config.annotation_prefixes):
        return SourceResult()
    subject = resource(KIND, obj)
    result = SourceResult()
    targets, problems = proxy_targets(obj, view, config, subject)
    result.problems += problems
    if problems and not targets:
        return finish(result)
    for i, virtual_host in enumerate(virtual_hosts(obj)):
        merged, problems = _merged_annotations(virtual_host, view, subject)
        result.problems += problems
        if merged is None:
            continue
        common = ann.read_common({"metadata": {"annotations": merged}}, subject,
                                 prefixes=config.annotation_prefixes, alias_true_only=config.alias_true_only)
        result.problems += common.problems
        hosts, problems = spec_hostnames(virtual_host.get("domains") or [], subject,
                                         f"virtual host {i} domains")
        result.problems += problems
        found = endpoints_for_hostnames(hosts, targets, common, subject)
        result.problems += found.problems
        result.endpoints += [e.with_labels(**{RESOURCE_LABEL: None}) for e in found.endpoints]
    return finish(result)


def dependents(kind: str, obj: Obj, view: ObjectView) -> Iterator[Ref]:
    """The Proxies whose records can change with `obj` (call with the old and the new version)."""
    key = (namespace_of(obj), name_of(obj))
    if kind == GLOO_PROXIES:
        yield key
        return
    for proxy in view.list(GLOO_PROXIES):
        if _reads(proxy, kind, key, view):
            yield namespace_of(proxy), name_of(proxy)


def _reads(proxy: Obj, kind: str, key: Ref, view: ObjectView) -> bool:
    if kind == SERVICES:
        return (namespace_of(proxy), name_of(proxy)) == key
    if kind == GLOO_VIRTUALSERVICES:
        return any(key in virtual_service_refs(vh) for vh in virtual_hosts(proxy))
    if kind == GLOO_GATEWAYS:
        return key in gateway_refs(proxy)
    if kind == INGRESSES:
        # Every Ingress any Gateway of the Proxy names under any prefix: which prefixes count is
        # configuration dependents do not see (a needless re-plan changes nothing).
        for ref in gateway_refs(proxy):
            gateway = view.get(GLOO_GATEWAYS, *ref)
            values = ann.values_under_any_prefix(gateway, ann.INGRESS) if gateway is not None else []
            if any(parse_ref(value, ref[0]) == key for value in values):
                return True
    return False


SPEC = SourceSpec(SOURCE_NAME, GLOO_PROXIES, endpoints,
                  (GLOO_PROXIES, GLOO_VIRTUALSERVICES, GLOO_GATEWAYS, SERVICES, INGRESSES), dependents, KIND)
