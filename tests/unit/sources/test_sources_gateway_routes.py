"""The GRPCRoute, TLSRoute, TCPRoute and UDPRoute sources, and what every Gateway API route source
shares (listener protocols, the --gateway-* filters, dependents). Expected values follow
external-dns v0.23.0's source/gateway*.go and their tests."""

from __future__ import annotations

from typing import Any

import pytest
from sourcekit import ga, gateway, listener, obj, records, store

from zonekeeper.sources import SOURCES
from zonekeeper.sources.base import SourceConfig, SourceResult
from zonekeeper.sources.objects import (
    GATEWAYS,
    GRPCROUTES,
    HTTPROUTES,
    LISTENERSETS,
    NAMESPACES,
    TCPROUTES,
    TLSROUTES,
    UDPROUTES,
)

CONFIG = SourceConfig()
V1 = "gateway.networking.k8s.io/v1"
V1ALPHA2 = "gateway.networking.k8s.io/v1alpha2"
VERSIONS = {"GRPCRoute": V1, "TLSRoute": V1, "TCPRoute": V1ALPHA2, "UDPRoute": V1ALPHA2, "HTTPRoute": V1}
SOURCE_OF = {"GRPCRoute": "gateway-grpcroute", "TLSRoute": "gateway-tlsroute", "TCPRoute": "gateway-tcproute",
             "UDPRoute": "gateway-udproute", "HTTPRoute": "gateway-httproute"}


def route(kind: str, name: str = "route", namespace: str = "default", *, hostnames: tuple[str, ...] = (),
          parents: list[dict[str, Any]] | None = None, annotations: dict[str, str] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"parentRefs": parents if parents is not None else [{"name": "gw"}]}
    if hostnames:
        spec["hostnames"] = list(hostnames)
    return obj(VERSIONS[kind], kind, name, namespace, annotations=annotations, spec=spec)


def run(rt: dict[str, Any], *others: dict[str, Any], config: SourceConfig = CONFIG) -> SourceResult:
    return SOURCES[SOURCE_OF[rt["kind"]]].only.function(rt, store(rt, *others), config)


def test_the_route_sources_are_registered_with_external_dns_s_names() -> None:
    for kind, name in SOURCE_OF.items():
        spec = SOURCES[name].only
        assert spec.label_kind == kind.lower()
        assert set(spec.watched_kinds) == {spec.kind, GATEWAYS, NAMESPACES, LISTENERSETS}
    assert [SOURCES[SOURCE_OF[k]].only.kind for k in ("GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute")] == [
        GRPCROUTES, TLSROUTES, TCPROUTES, UDPROUTES]


def test_grpcroute_hostnames_intersect_http_and_https_listeners() -> None:
    gw = gateway("gw", "default", listener("web", hostname="*.example.com", protocol="HTTPS", port=443),
                 listener("tls", hostname="*.example.com", protocol="TLS", port=8443))
    result = run(route("GRPCRoute", hostnames=("api.example.com", "api.example.org")), gw)
    assert records(result) == ["api.example.com A -> 203.0.113.1"]
    assert {e.resource for e in result.endpoints} == {"grpcroute/default/route"}


@pytest.mark.parametrize(
    ("kind", "protocols"),
    [
        ("GRPCRoute", {"HTTP", "HTTPS"}),
        ("HTTPRoute", {"HTTP", "HTTPS"}),
        ("TLSRoute", {"TLS"}),
        ("TCPRoute", {"TCP", "TLS"}),  # a TCPRoute may pass through a TLS listener
        ("UDPRoute", {"UDP"}),
    ],
)
def test_each_route_kind_attaches_to_its_listener_protocols(kind: str, protocols: set[str]) -> None:
    attached = set()
    for protocol in ("HTTP", "HTTPS", "TLS", "TCP", "UDP"):
        gw = gateway("gw", "default", listener("l", protocol=protocol))
        rt = route(kind, hostnames=("a.example.com",), annotations=ga(hostname="a.example.com"))
        if records(run(rt, gw)) == ["a.example.com A -> 203.0.113.1"]:
            attached.add(protocol)
    assert attached == protocols


def test_tlsroute_hostnames_and_listener_fallback() -> None:
    gw = gateway("gw", "default", listener("a", hostname="a.example.com", protocol="TLS", port=443),
                 listener("b", hostname="b.example.com", protocol="TLS", port=443))
    assert records(run(route("TLSRoute"), gw)) == ["a.example.com A -> 203.0.113.1", "b.example.com A -> 203.0.113.1"]
    assert records(run(route("TLSRoute", hostnames=("b.example.com",)), gw)) == ["b.example.com A -> 203.0.113.1"]
    assert {e.resource for e in run(route("TLSRoute"), gw).endpoints} == {"tlsroute/default/route"}


@pytest.mark.parametrize("kind", ["TCPRoute", "UDPRoute"])
def test_tcp_and_udp_routes_take_names_from_the_hostname_annotation_only(kind: str) -> None:
    protocol = kind.removesuffix("Route")
    gw = gateway("gw", "default", listener("l", protocol=protocol, port=53))
    # spec.hostnames is not a field of these kinds; a stray one is not read.
    assert records(run(route(kind, hostnames=("spec.example.com",)), gw)) == []
    result = run(route(kind, annotations=ga(hostname="db.example.com,db2.example.com")), gw)
    assert records(result) == ["db.example.com A -> 203.0.113.1", "db2.example.com A -> 203.0.113.1"]
    assert {e.resource for e in result.endpoints} == {f"{kind.lower()}/default/route"}


def test_tcproute_takes_a_listener_hostname_when_the_listener_names_one() -> None:
    gw = gateway("gw", "default", listener("l", hostname="tcp.example.com", protocol="TCP", port=5432))
    assert records(run(route("TCPRoute"), gw)) == ["tcp.example.com A -> 203.0.113.1"]


def test_allowed_routes_kinds_name_the_route_kind() -> None:
    only_tcp = listener("l", protocol="TCP", port=5432, kinds=[{"kind": "TCPRoute"}])
    only_udp = listener("l", protocol="TCP", port=5432, kinds=[{"kind": "UDPRoute"}])
    rt = route("TCPRoute", annotations=ga(hostname="db.example.com"))
    assert records(run(rt, gateway("gw", "default", only_tcp))) == ["db.example.com A -> 203.0.113.1"]
    assert records(run(rt, gateway("gw", "default", only_udp))) == []


def test_gateway_target_annotation_and_section_name() -> None:
    gw = gateway("gw", "default", listener("a", protocol="TCP", port=1), listener("b", protocol="TCP", port=2),
                 annotations=ga(target="lb.example.net"))
    rt = route("TCPRoute", parents=[{"name": "gw", "sectionName": "b"}], annotations=ga(hostname="db.example.com"))
    assert records(run(rt, gw)) == ["db.example.com CNAME -> lb.example.net"]
    missing = route("TCPRoute", parents=[{"name": "gw", "sectionName": "c"}], annotations=ga(hostname="db.example.com"))
    assert records(run(missing, gw)) == []


def _labelled(gw: dict[str, Any], **labels: str) -> dict[str, Any]:
    gw["metadata"]["labels"] = labels
    return gw


@pytest.mark.parametrize("kind", ["HTTPRoute", "GRPCRoute"])
def test_gateway_filters(kind: str) -> None:
    """--gateway-name, --gateway-namespace and --gateway-label-filter narrow the Gateways a route may
    attach to; the route's own namespace and labels do not matter to them."""
    gw_a = _labelled(gateway("a", "infra", listener("l", origin="All"), addresses=("203.0.113.1",)), team="x")
    gw_b = _labelled(gateway("b", "edge", listener("l", origin="All"), addresses=("203.0.113.2",)), team="y")
    rt = route(kind, "route", "apps", hostnames=("a.example.com",),
               parents=[{"name": "a", "namespace": "infra"}, {"name": "b", "namespace": "edge"}])
    both = ["a.example.com A -> 203.0.113.1,203.0.113.2"]
    only_a = ["a.example.com A -> 203.0.113.1"]
    only_b = ["a.example.com A -> 203.0.113.2"]
    assert records(run(rt, gw_a, gw_b)) == both
    assert records(run(rt, gw_a, gw_b, config=SourceConfig(gateway_name="a"))) == only_a
    assert records(run(rt, gw_a, gw_b, config=SourceConfig(gateway_namespace="edge"))) == only_b
    assert records(run(rt, gw_a, gw_b, config=SourceConfig(gateway_label_filter="team=y"))) == only_b
    assert records(run(rt, gw_a, gw_b, config=SourceConfig(gateway_label_filter="team in (x,y)"))) == both
    assert records(run(rt, gw_a, gw_b, config=SourceConfig(gateway_name="a", gateway_namespace="edge"))) == []


@pytest.mark.parametrize("kind", ["GRPCRoute", "TLSRoute", "TCPRoute", "UDPRoute"])
def test_a_gateway_change_re_plans_exactly_the_routes_of_that_kind_naming_it(kind: str) -> None:
    spec = SOURCES[SOURCE_OF[kind]].only
    gw = gateway("gw", "infra")
    mine = route(kind, "mine", "apps", parents=[{"name": "gw", "namespace": "infra"}])
    same_ns_default = route(kind, "elsewhere", "apps", parents=[{"name": "gw"}])  # apps/gw, not infra/gw
    other_kind = route("HTTPRoute" if kind != "HTTPRoute" else "GRPCRoute", "other", "apps",
                       parents=[{"name": "gw", "namespace": "infra"}])
    view = store(gw, mine, same_ns_default, other_kind)
    assert sorted(spec.dependents(GATEWAYS, gw, view)) == [("apps", "mine")]
    assert sorted(spec.dependents(spec.kind, mine, view)) == [("apps", "mine")]
    assert sorted(spec.dependents(HTTPROUTES if kind != "HTTPRoute" else GRPCROUTES, other_kind, view)) == []


def test_gateway_flags_reach_the_sources() -> None:
    from zonekeeper.config import Settings
    from zonekeeper.settings.flag import ConfigError
    from zonekeeper.wiring import source_config

    settings = Settings.of(gateway_name="a", gateway_namespace="infra", gateway_label_filter="team=x")
    config = source_config(settings)
    assert (config.gateway_name, config.gateway_namespace, config.gateway_label_filter) == ("a", "infra", "team=x")
    with pytest.raises(ConfigError, match="--gateway-label-filter"):
        Settings.of(txt_owner_id="x", gateway_label_filter="team in (x").validate()


def test_gateways_are_watched_in_gateway_namespace_not_in_namespace() -> None:
    from zonekeeper import live
    from zonekeeper.config import Settings

    assert live.kind_namespaces(Settings.of(namespace="apps"))[GATEWAYS] is None
    assert live.kind_namespaces(Settings.of(namespace="apps"))[LISTENERSETS] is None
    assert live.kind_namespaces(Settings.of(namespace="apps", gateway_namespace="infra"))[GATEWAYS] == "infra"


def _namespace(name: str, **labels: str) -> dict[str, Any]:
    return obj("v1", "Namespace", name, "", labels=labels or None)


@pytest.mark.parametrize(
    ("selector", "attached"),
    [
        ({"matchLabels": {"team": "a"}}, True),
        ({"matchLabels": {"team": "b"}}, False),
        ({"matchExpressions": [{"key": "team", "operator": "In", "values": ["a", "c"]}]}, True),
        ({"matchExpressions": [{"key": "team", "operator": "NotIn", "values": ["a"]}]}, False),
        ({"matchExpressions": [{"key": "env", "operator": "Exists"}]}, True),
        ({"matchExpressions": [{"key": "env", "operator": "DoesNotExist"}]}, False),
        ({"matchLabels": {"team": "a"}, "matchExpressions": [{"key": "env", "operator": "In", "values": ["dev"]}]},
         False),
        ({}, True),  # an empty selector selects every namespace
        ({"matchExpressions": [{"key": "team", "operator": "Bogus", "values": ["a"]}]}, False),
    ],
)
def test_allowed_routes_namespace_selector(selector: dict[str, Any], attached: bool) -> None:
    """allowedRoutes.namespaces.from=Selector matches the route's Namespace labels, as external-dns does."""
    lis = listener("l", hostname="a.example.com")
    lis["allowedRoutes"] = {"namespaces": {"from": "Selector", "selector": selector}}
    gw = gateway("gw", "infra", lis)
    rt = route("GRPCRoute", "route", "apps", parents=[{"name": "gw", "namespace": "infra"}])
    ns = _namespace("apps", team="a", env="prod")
    assert bool(run(rt, gw, ns).endpoints) is attached
    # The route's Namespace unknown: not attached (external-dns: "Namespace not found").
    assert run(rt, gw).endpoints == []


def test_a_namespace_change_re_plans_the_routes_in_it() -> None:
    spec = SOURCES["gateway-tcproute"].only
    ns = _namespace("apps", team="a")
    mine = route("TCPRoute", "mine", "apps")
    other = route("TCPRoute", "other", "elsewhere")
    view = store(ns, mine, other)
    assert sorted(spec.dependents(NAMESPACES, ns, view)) == [("apps", "mine")]
    assert set(spec.watched_kinds) == {TCPROUTES, GATEWAYS, NAMESPACES, LISTENERSETS}
