from __future__ import annotations

from typing import Any

import pytest
from sourcekit import alpha, ga, gateway, httproute, listener, reasons, records, store

from zonekeeper.sources import gateway_httproute as source
from zonekeeper.sources import gateway_routes
from zonekeeper.sources.base import SourceConfig, SourceResult
from zonekeeper.sources.objects import GATEWAYS, HTTPROUTES

CONFIG = SourceConfig()


def run(route: dict[str, Any], *others: dict[str, Any], config: SourceConfig = CONFIG) -> SourceResult:
    return source.SPEC.function(route, store(route, *others), config)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("", "a.example.com", "a.example.com"),
        ("a.example.com", "", "a.example.com"),
        ("a.example.com", "A.Example.com.", "a.example.com"),
        ("*.example.com", "a.example.com", "a.example.com"),
        ("a.example.com", "*.example.com", "a.example.com"),
        ("*.example.com", "a.b.example.com", "a.b.example.com"),
        ("*.example.com", "example.com", None),
        ("*.example.com", "*.a.example.com", "*.a.example.com"),
        ("*.a.example.com", "*.example.com", "*.a.example.com"),
        ("*.example.com", "*.example.com", "*.example.com"),
        ("a.example.com", "b.example.com", None),
        ("*.example.com", "a.example.org", None),
        ("1.2.3.4", "", None),
        ("bad..name", "a.example.com", None),
    ],
)
def test_matching_host(a: str, b: str, expected: str | None) -> None:
    assert gateway_routes.matching_host(a, b) == expected


def test_route_hostnames_intersect_listener_hostname() -> None:
    gw = gateway("gw", "default", listener(hostname="*.example.com"))
    route = httproute(hostnames=("a.example.com", "b.example.org", "*.x.example.com"))
    result = run(route, gw)
    assert records(result) == ["*.x.example.com A -> 203.0.113.1", "a.example.com A -> 203.0.113.1"]
    assert {e.resource for e in result.endpoints} == {"httproute/default/route"}


def test_route_wildcard_with_specific_listener_gives_the_listener_hostname() -> None:
    gw = gateway("gw", "default", listener(hostname="shop.example.com"))
    assert records(run(httproute(hostnames=("*.example.com",)), gw)) == ["shop.example.com A -> 203.0.113.1"]


def test_route_without_hostnames_takes_the_listeners() -> None:
    gw = gateway(
        "gw",
        "default",
        listener("a", hostname="a.example.com"),
        listener("b", hostname="b.example.com"),
        listener("c"),
    )
    assert records(run(httproute(), gw)) == [
        "a.example.com A -> 203.0.113.1",
        "b.example.com A -> 203.0.113.1",
    ]


def test_no_hostnames_anywhere_publishes_nothing() -> None:
    assert run(httproute(), gateway("gw", "default", listener())).endpoints == []


def test_listener_without_hostname_accepts_route_hostnames() -> None:
    assert records(run(httproute(hostnames=("a.example.com",)), gateway())) == [
        "a.example.com A -> 203.0.113.1"
    ]


def test_section_name_and_port_select_listeners() -> None:
    gw = gateway(
        "gw",
        "default",
        listener("http", hostname="a.example.com", port=80),
        listener("https", hostname="b.example.com", protocol="HTTPS", port=443),
    )
    assert records(run(httproute(parents=[{"name": "gw", "sectionName": "https"}]), gw)) == [
        "b.example.com A -> 203.0.113.1"
    ]
    assert records(run(httproute(parents=[{"name": "gw", "port": 80}]), gw)) == [
        "a.example.com A -> 203.0.113.1"
    ]
    assert run(httproute(parents=[{"name": "gw", "sectionName": "nope"}]), gw).endpoints == []


def test_non_http_listeners_are_ignored() -> None:
    gw = gateway("gw", "default", listener("tcp", hostname="a.example.com", protocol="TCP"))
    assert run(httproute(), gw).endpoints == []


@pytest.mark.parametrize(
    ("origin", "route_ns", "attached"),
    [
        (None, "default", True),
        (None, "other", False),
        ("Same", "other", False),
        ("All", "other", True),
        ("Selector", "other", False),  # without a selector: no namespace (LabelSelectorAsSelector(nil))
        ("None", "default", False),
    ],
)
def test_allowed_routes_namespaces(origin: str | None, route_ns: str, attached: bool) -> None:
    gw = gateway("gw", "default", listener(hostname="a.example.com", origin=origin))
    route = httproute(namespace=route_ns, parents=[{"name": "gw", "namespace": "default"}])
    assert bool(run(route, gw).endpoints) is attached


@pytest.mark.parametrize(
    ("kinds", "attached"),
    [
        ([], True),
        ([{"kind": "HTTPRoute"}], True),
        ([{"group": "gateway.networking.k8s.io", "kind": "HTTPRoute"}], True),
        ([{"kind": "GRPCRoute"}], False),
        ([{"group": "example.io", "kind": "HTTPRoute"}], False),
    ],
)
def test_allowed_routes_kinds(kinds: list[dict[str, str]], attached: bool) -> None:
    gw = gateway("gw", "default", listener(hostname="a.example.com", kinds=kinds))
    assert bool(run(httproute(), gw).endpoints) is attached


def test_parent_refs_of_other_kinds_and_missing_gateways_are_skipped() -> None:
    gw = gateway("gw", "default", listener(hostname="a.example.com"))
    parents = [
        {"name": "gw", "kind": "Service", "group": ""},
        {"name": "gw", "group": "example.io"},
        {"name": "absent"},
    ]
    route = httproute(parents=parents)
    result = run(route, gw)
    assert result.endpoints == [] and result.problems == []
    assert gateway_routes.gateways_for_route(route, store()) == [("default", "absent")]


def test_parent_namespace_defaults_to_the_route_namespace() -> None:
    gw = gateway("gw", "infra", listener(hostname="a.example.com", origin="All"))
    assert run(httproute(namespace="apps"), gw).endpoints == []
    route = httproute(namespace="apps", parents=[{"name": "gw", "namespace": "infra"}])
    assert records(run(route, gw)) == ["a.example.com A -> 203.0.113.1"]


def test_gateway_target_annotation_then_status_addresses() -> None:
    gw = gateway(
        "gw", "default", listener(hostname="a.example.com"), addresses=("203.0.113.1", "lb.example.net")
    )
    result = run(httproute(), gw)
    assert records(result) == ["a.example.com A -> 203.0.113.1"]
    assert reasons(result) == ["ConflictingTargets"]
    gw = gateway(
        "gw", "default", listener(hostname="a.example.com"), annotations=alpha(target="lb.example.net")
    )
    assert records(run(httproute(), gw)) == ["a.example.com CNAME -> lb.example.net"]


def test_route_target_annotation_is_not_used() -> None:
    route = httproute(annotations=ga(target="9.9.9.9"))
    assert records(run(route, gateway("gw", "default", listener(hostname="a.example.com")))) == [
        "a.example.com A -> 203.0.113.1"
    ]


def test_gateway_bad_target_annotation_reported_against_the_route() -> None:
    gw = gateway("gw", "default", listener(hostname="a.example.com"), annotations=ga(target="1.2.3.999"))
    result = run(httproute(), gw)
    assert result.endpoints == []
    assert reasons(result) == ["InvalidTarget"]
    assert result.problems[0].subject == "httproute/default/route"
    assert "Gateway default/gw" in result.problems[0].message


def test_targets_merged_across_gateways() -> None:
    gw1 = gateway("gw1", "default", listener(hostname="*.example.com"), addresses=("203.0.113.1",))
    gw2 = gateway("gw2", "default", listener(hostname="a.example.com"), addresses=("203.0.113.2",))
    route = httproute(hostnames=("a.example.com",), parents=[{"name": "gw1"}, {"name": "gw2"}])
    assert records(run(route, gw1, gw2)) == ["a.example.com A -> 203.0.113.1,203.0.113.2"]


def test_hostname_annotation_must_match_a_listener_too() -> None:
    gw = gateway("gw", "default", listener(hostname="*.example.com"))
    route = httproute(hostnames=("a.example.com",), annotations=ga(hostname="b.example.com,c.example.org"))
    assert records(run(route, gw)) == ["a.example.com A -> 203.0.113.1", "b.example.com A -> 203.0.113.1"]
    assert records(run(route, gw, config=SourceConfig(ignore_hostname_annotation=True))) == [
        "a.example.com A -> 203.0.113.1"
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("defined-hosts-only", ["a.example.com A -> 203.0.113.1"]),
        ("annotation-only", ["b.example.com A -> 203.0.113.1"]),
    ],
)
def test_gateway_hostname_source(value: str, expected: list[str]) -> None:
    gw = gateway("gw", "default", listener(hostname="*.example.com"))
    route = httproute(
        hostnames=("a.example.com",), annotations=ga(hostname="b.example.com", gateway_hostname_source=value)
    )
    assert records(run(route, gw)) == expected


def test_defined_hosts_only_without_route_hostnames_publishes_nothing() -> None:
    gw = gateway("gw", "default", listener(hostname="a.example.com"))
    route = httproute(annotations=ga(gateway_hostname_source="defined-hosts-only"))
    assert run(route, gw).endpoints == []


def test_invalid_hostname_source_falls_back_and_is_reported() -> None:
    gw = gateway("gw", "default", listener(hostname="*.example.com"))
    route = httproute(
        hostnames=("a.example.com",), annotations=ga(hostname="b.example.com", gateway_hostname_source="x")
    )
    result = run(route, gw)
    assert records(result) == ["a.example.com A -> 203.0.113.1", "b.example.com A -> 203.0.113.1"]
    assert reasons(result) == ["InvalidAnnotation"]


def test_invalid_route_hostname_reported() -> None:
    route = httproute(hostnames=("a.example.com", "-bad.example.com"))
    result = run(route, gateway())
    assert records(result) == ["a.example.com A -> 203.0.113.1"]
    assert reasons(result) == ["InvalidHostname"]
    assert "spec.hostnames[1]" in result.problems[0].message


def test_route_annotations_supply_ttl_and_properties() -> None:
    route = httproute(
        hostnames=("a.example.com",), annotations=ga(ttl="30s", set_identifier="x", aws_failover="PRIMARY")
    )
    endpoint = run(route, gateway()).endpoints[0]
    assert (endpoint.ttl, endpoint.set_identifier, endpoint.prop("aws/failover")) == (30, "x", "PRIMARY")
    assert run(httproute(annotations=ga(controller="other")), gateway()) == SourceResult()


def test_dependents() -> None:
    gw = gateway("gw", "default")
    r1 = httproute("r1")
    r2 = httproute("r2", "apps", parents=[{"name": "gw", "namespace": "default"}])
    r3 = httproute("r3", "apps")  # refers to apps/gw
    view = store(gw, r1, r2, r3)
    assert list(source.SPEC.dependents(HTTPROUTES, r1, view)) == [("default", "r1")]
    assert sorted(source.SPEC.dependents(GATEWAYS, gw, view)) == [("apps", "r2"), ("default", "r1")]
