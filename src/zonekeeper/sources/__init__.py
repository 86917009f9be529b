"""The registry of sources: one `SPEC` per source module, one line each below.

The contract a source fulfils is `sources.base.SourceSpec` (`sources.base.Source` for one of several
primary kinds); everything else that lists sources (the `--source` choices, the resource label kinds
of metrics and Events, the resources to watch) is derived from `SOURCES`, and what runs under given
flags from `specs_for`. Adding a source: write `sources/<name>.py` ending in `SPEC = SourceSpec(...)`
(or `SOURCE = Source(...)`) and add it to the list. A kind no source read before also needs its line in
`sources/objects.py` (where it lives in the API) and its shape in `kube/resources.SHAPES` (the
fields the sources read, all the informers keep).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from zonekeeper.sources import (
    ambassador_host,
    connector,
    contour_httpproxy,
    crd,
    empty,
    f5_transportserver,
    f5_virtualserver,
    fake,
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
    traefik_proxy,
    unstructured,
)
from zonekeeper.sources.base import Parts, Source, SourceConfig, SourceResult, SourceSpec, register
from zonekeeper.sources.objects import INVALID_OBJECT, ObjectView
from zonekeeper.sources.run import run_all, run_generated, run_one

SOURCES: dict[str, Source] = register(
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
    traefik_proxy.SOURCE,
    empty.SOURCE,
    unstructured.SOURCE,
    fake.SOURCE,
    connector.SOURCE,
)

# The `--source` names, in registry order.
NAMES: tuple[str, ...] = tuple(SOURCES)

# external-dns v0.23.0's sources that zonekeeper refuses, and why (the message --source gives).
REFUSED: Mapping[str, str] = {}

# The `resource` label's <kind> -> the primary resources it names, first the one an Event is about
# when no cached object says otherwise ("service" -> ("services",)). Several only for the parts of
# one source that read one resource in two API groups. Parts built from flags (`Source.expand`) are
# not here: their label kinds are only known at start-up.
LABEL_KINDS: Mapping[str, tuple[str, ...]] = {
    label: tuple(dict.fromkeys(p.kind for s in SOURCES.values() for p in s.parts if p.label_kind == label))
    for label in dict.fromkeys(p.label_kind for s in SOURCES.values() for p in s.parts)
}


def unknown_sources(names: Iterable[str]) -> list[str]:
    return [n for n in names if n not in SOURCES]


def specs_for(source_names: Iterable[str], config: SourceConfig) -> Parts:
    """Every part the named sources run under `config`: each source once, in the order given, its
    parts in declaration order. Unknown names are refused, naming the known ones."""
    names = list(dict.fromkeys(source_names))
    unknown = unknown_sources(names)
    if unknown:
        raise ValueError(f"unknown source(s) {', '.join(unknown)}; known: {', '.join(SOURCES)}")
    return tuple(spec for name in names for spec in SOURCES[name].specs(config))


def watched_kinds(source_names: Iterable[str], config: SourceConfig) -> tuple[str, ...]:
    """Every resource the enabled parts of the named sources need watched, sorted."""
    return tuple(sorted({k for spec in specs_for(source_names, config) for k in spec.watched_kinds}))


def primary_kinds(source_names: Iterable[str], config: SourceConfig) -> frozenset[str]:
    """The resources the enabled parts turn into records (the ones filters such as --label-filter apply to)."""
    return frozenset(spec.kind for spec in specs_for(source_names, config))


def fake_generator(source_names: Iterable[str], config: SourceConfig) -> fake.Generator | None:
    """The fake source's generator when it is named (it reads no objects: its records come from a
    seeded generator, one draw per pass); ValueError when --fqdn-template fails over its Pod."""
    return fake.Generator(fake.dns_names(config.fqdn_template)) if "fake" in source_names else None


def collect(view: ObjectView, source_names: Sequence[str], config: SourceConfig,
            connected: SourceResult | None = None) -> SourceResult:
    """The named sources (each once, in the order given) over every primary object in the view
    (`run.run_all`); with `fake`, its first pass, as a fresh external-dns's; with `connector`, what
    the edge read from its server (`connected`, zonekeeper.connectorfeed.read)."""
    generator = fake_generator(source_names, config)
    generated = SourceResult() if generator is None else run_generated(generator.next_pass(), config)
    if connected is not None and connector.KIND in source_names:
        generated.extend(connected)
    return run_all(view, specs_for(source_names, config), config, generated)


__all__ = [
    "INVALID_OBJECT",
    "LABEL_KINDS",
    "NAMES",
    "REFUSED",
    "SOURCES",
    "Source",
    "SourceSpec",
    "collect",
    "fake_generator",
    "primary_kinds",
    "run_generated",
    "run_one",
    "specs_for",
    "unknown_sources",
    "watched_kinds",
]
