"""The registry of sources: one `SPEC` per source module, one line each below.

The contract a source fulfils is `sources.base.SourceSpec`; everything else that lists sources (the
`--source` choices, the resource label kinds of metrics and Events, the resources to watch) is
derived from `SOURCES`. Adding a source: write `sources/<name>.py` ending in `SPEC = SourceSpec(...)`
and add `<name>.SPEC` to the list. A kind no source read before also needs its line in
`sources/objects.py` (where it lives in the API) and its shape in `kube/resources.SHAPES` (the
fields the sources read, all the informers keep).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from zonekeeper.sources import (
    ambassador_host,
    contour_httpproxy,
    crd,
    f5_transportserver,
    f5_virtualserver,
    gateway_grpcroute,
    gateway_httproute,
    gateway_tcproute,
    gateway_tlsroute,
    gateway_udproute,
    gloo_proxy,
    ingress,
    istio_gateway,
    istio_virtualservice,
    kong_tcpingress,
    node,
    openshift_route,
    pod,
    service,
    skipper_routegroup,
)
from zonekeeper.sources.base import SourceConfig, SourceResult, SourceSpec, register
from zonekeeper.sources.objects import INVALID_OBJECT, ObjectView
from zonekeeper.sources.run import run_all, run_one

SOURCES: dict[str, SourceSpec] = register(
    service.SPEC,
    ingress.SPEC,
    istio_gateway.SPEC,
    istio_virtualservice.SPEC,
    crd.SPEC,
    gateway_httproute.SPEC,
    gateway_grpcroute.SPEC,
    gateway_tlsroute.SPEC,
    gateway_tcproute.SPEC,
    gateway_udproute.SPEC,
    node.SPEC,
    pod.SPEC,
    # Ingress controllers' CRDs (issue 11, srcB1)
    contour_httpproxy.SPEC,
    kong_tcpingress.SPEC,
    ambassador_host.SPEC,
    gloo_proxy.SPEC,
    f5_virtualserver.SPEC,
    f5_transportserver.SPEC,
    skipper_routegroup.SPEC,
    openshift_route.SPEC,
)

# The `resource` label's <kind> -> the primary resource it names ("service" -> "services").
LABEL_KINDS: Mapping[str, str] = {spec.label_kind: spec.kind for spec in SOURCES.values()}


def unknown_sources(names: Iterable[str]) -> list[str]:
    return [n for n in names if n not in SOURCES]


def watched_kinds(source_names: Iterable[str]) -> tuple[str, ...]:
    """Every resource the enabled sources need watched, sorted."""
    return tuple(sorted({k for n in source_names for k in SOURCES[n].watched_kinds}))


def collect(view: ObjectView, source_names: Sequence[str], config: SourceConfig) -> SourceResult:
    """The named sources (each once, in the order given) over every primary object in the view
    (`run.run_all`)."""
    unknown = unknown_sources(source_names)
    if unknown:
        raise ValueError(f"unknown source(s) {', '.join(unknown)}; known: {', '.join(SOURCES)}")
    return run_all(view, [SOURCES[name] for name in dict.fromkeys(source_names)], config)


__all__ = [
    "INVALID_OBJECT",
    "LABEL_KINDS",
    "SOURCES",
    "SourceSpec",
    "collect",
    "run_one",
    "unknown_sources",
    "watched_kinds",
]
