"""The sources: pure functions from Kubernetes objects to Endpoints, and the registry of them.

`SOURCES` maps each `--source` name to a `SourceSpec`: the primary resource it reads, the function,
every resource whose changes can alter its output (what the controller must watch) and a
`dependents` function telling which primary objects to re-plan when one of those changes. Call
`dependents` with both the old and the new version of an updated object: a Service whose selector
changed affects the Gateways matching either selector.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from zonekeeper.endpoint import Problem
from zonekeeper.sources import crd, gateway_httproute, ingress, istio_gateway, istio_virtualservice, service
from zonekeeper.sources.base import SourceConfig, SourceResult
from zonekeeper.sources.common import SOURCE_ERROR
from zonekeeper.sources.objects import (
    DNSENDPOINTS,
    ENDPOINTSLICES,
    GATEWAYS,
    HTTPROUTES,
    INGRESSES,
    ISTIO_GATEWAYS,
    ISTIO_VIRTUALSERVICES,
    NODES,
    PODS,
    SERVICES,
    Obj,
    ObjectView,
    name_of,
    namespace_of,
    shape_errors,
)

# An object (or a field of one) that does not have the shape its kind requires.
INVALID_OBJECT = "InvalidObject"

SourceFunction = Callable[[Obj, ObjectView, SourceConfig], SourceResult]
DependentsFunction = Callable[[str, Obj, ObjectView], Iterable[tuple[str, str]]]


@dataclass(slots=True, frozen=True)
class SourceSpec:
    name: str  # the --source name
    kind: str  # the primary resource, e.g. "services"
    function: SourceFunction
    watched_kinds: tuple[str, ...]  # includes `kind`
    dependents: DependentsFunction  # (changed resource, object, view) -> primary (namespace, name) keys
    label_kind: str = ""  # the <kind> in the `resource` label ("service", "gateway", ...)


SOURCES: dict[str, SourceSpec] = {
    spec.name: spec
    for spec in (
        SourceSpec(
            "service",
            SERVICES,
            service.endpoints,
            (SERVICES, NODES, PODS, ENDPOINTSLICES),
            service.dependents,
            service.KIND,
        ),
        SourceSpec("ingress", INGRESSES, ingress.endpoints, (INGRESSES,), ingress.dependents, ingress.KIND),
        SourceSpec(
            "istio-gateway",
            ISTIO_GATEWAYS,
            istio_gateway.endpoints,
            (ISTIO_GATEWAYS, SERVICES, INGRESSES),
            istio_gateway.dependents,
            istio_gateway.KIND,
        ),
        SourceSpec(
            "istio-virtualservice",
            ISTIO_VIRTUALSERVICES,
            istio_virtualservice.endpoints,
            (ISTIO_VIRTUALSERVICES, ISTIO_GATEWAYS, SERVICES, INGRESSES),
            istio_virtualservice.dependents,
            istio_virtualservice.KIND,
        ),
        SourceSpec("crd", DNSENDPOINTS, crd.endpoints, (DNSENDPOINTS,), crd.dependents, crd.KIND),
        SourceSpec(
            "gateway-httproute",
            HTTPROUTES,
            gateway_httproute.endpoints,
            (HTTPROUTES, GATEWAYS),
            gateway_httproute.dependents,
            gateway_httproute.KIND,
        ),
    )
}


def unknown_sources(names: Iterable[str]) -> list[str]:
    return [n for n in names if n not in SOURCES]


def run_one(spec: SourceSpec, obj: Obj, view: ObjectView, config: SourceConfig) -> SourceResult:
    """One source over one object. A bug must not take the other objects down with it, so anything
    raised becomes a Problem against the object; so do the fields the cache had to leave out of it
    because of their type (`objects.shape_errors`), which would otherwise yield nothing silently."""
    subject = f"{spec.label_kind or spec.name}/{namespace_of(obj)}/{name_of(obj)}"
    try:
        result = spec.function(obj, view, config)
    except Exception as error:
        result = SourceResult([], [Problem(subject, SOURCE_ERROR, f"{spec.name} source failed: {error!r}")])
    for why in shape_errors(obj):
        result.problems.append(Problem(subject, INVALID_OBJECT, f"{why}; the field is left out"))
    return result


def watched_kinds(source_names: Iterable[str]) -> tuple[str, ...]:
    """Every resource the enabled sources need watched, sorted."""
    return tuple(sorted({k for n in source_names for k in SOURCES[n].watched_kinds}))


def collect(view: ObjectView, source_names: Sequence[str], config: SourceConfig) -> SourceResult:
    """Every enabled source over every primary object in the view, in a deterministic order.

    Endpoints are sorted by their `resource` label, then by record key and targets, so the
    "first resource wins" rules later in the pipeline are stable. Identical Problems (a Gateway's
    bad annotation seen by both Istio sources, say) are reported once.
    """
    unknown = unknown_sources(source_names)
    if unknown:
        raise ValueError(f"unknown source(s) {', '.join(unknown)}; known: {', '.join(SOURCES)}")
    result = SourceResult()
    for name in dict.fromkeys(source_names):
        spec = SOURCES[name]
        objects = sorted(view.list(spec.kind), key=lambda o: (namespace_of(o), name_of(o)))
        for obj in objects:
            result.extend(run_one(spec, obj, view, config))
    result.endpoints.sort(key=lambda e: (e.resource, e.key, e.targets, e.ttl, e.provider_specific))
    result.problems = sorted(dict.fromkeys(result.problems), key=lambda p: (p.subject, p.reason, p.message))
    return result


__all__ = ["SOURCES", "SourceSpec", "collect", "run_one", "unknown_sources", "watched_kinds"]
