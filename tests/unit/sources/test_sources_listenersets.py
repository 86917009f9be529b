"""Gateway API ListenerSets under the route sources (--gateway-listener-sets). Expected values follow
external-dns v0.23.0's source/gateway.go (newListenerSetObject, gatewayAllowsListenerSet,
listenerSetSections) and gateway_listenerset_test.go, on plain objects."""

from __future__ import annotations

from typing import Any

import pytest
from sourcekit import ga, gateway, listener, obj, records, store

from zonekeeper import live
from zonekeeper.config import Settings
from zonekeeper.sources import SOURCES
from zonekeeper.sources.base import SourceConfig, SourceResult
from zonekeeper.sources.objects import GATEWAYS, HTTPROUTES, LISTENERSETS, NAMESPACES

ON = SourceConfig(gateway_listener_sets=True)
HTTP = SOURCES["gateway-httproute"].only


def allowing(origin: str | None, selector: dict[str, Any] | None = None, *, namespace: str = "infra",
             addresses: tuple[str, ...] = ("203.0.113.1",), annotations: dict[str, str] | None = None) -> dict[str, Any]:
    """Gateway `gw` in `namespace` whose allowedListeners admits ListenerSets from `origin`."""
    gw = gateway("gw", namespace, listener("http", hostname="gw.example.com"), addresses=addresses,
                 annotations=annotations)
    if origin is not None:
        namespaces: dict[str, Any] = {"from": origin}
        if selector is not None:
            namespaces["selector"] = selector
        gw["spec"]["allowedListeners"] = {"namespaces": namespaces}
    return gw


def listener_set(name: str = "ls", namespace: str = "apps", *listeners: dict[str, Any],
                 parent: dict[str, Any] | None = None, annotations: dict[str, str] | None = None) -> dict[str, Any]:
    spec = {"parentRef": parent if parent is not None else {"name": "gw", "namespace": "infra"},
            "listeners": list(listeners) or [listener("web", hostname="*.apps.example.com")]}
    return obj("gateway.networking.k8s.io/v1", "ListenerSet", name, namespace, annotations=annotations, spec=spec)


def on_set(name: str = "ls", **ref: Any) -> dict[str, Any]:
    return {"kind": "ListenerSet", "name": name, **ref}


def route(name: str = "route", namespace: str = "apps", *hostnames: str,
          parents: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"parentRefs": parents if parents is not None else [on_set()]}
    if hostnames:
        spec["hostnames"] = list(hostnames)
    return obj("gateway.networking.k8s.io/v1", "HTTPRoute", name, namespace, spec=spec)


def run(rt: dict[str, Any], *others: dict[str, Any], config: SourceConfig = ON) -> SourceResult:
    return HTTP.function(rt, store(rt, *others), config)


def test_route_hostnames_intersect_the_listener_sets_listeners_and_take_the_gateways_addresses() -> None:
    rt = route("route", "apps", "a.apps.example.com", "gw.example.com", "b.other.example.com")
    result = run(rt, allowing("All"), listener_set())
    # Only the ListenerSet's listener counts: the Gateway's own gw.example.com listener is not the parent.
    assert records(result) == ["a.apps.example.com A -> 203.0.113.1"]
    assert {e.resource for e in result.endpoints} == {"httproute/apps/route"}


def test_a_route_without_hostnames_takes_the_listener_sets_hostnames() -> None:
    ls = listener_set("ls", "apps", listener("one", hostname="one.example.com"),
                      listener("two", hostname="two.example.com", port=8080))
    assert records(run(route(), allowing("All"), ls)) == ["one.example.com A -> 203.0.113.1",
                                                          "two.example.com A -> 203.0.113.1"]


def test_off_by_default_listener_set_parents_are_not_followed() -> None:
    assert run(route("route", "apps", "a.apps.example.com"), allowing("All"), listener_set(),
               config=SourceConfig()).endpoints == []


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ({}, ["one.example.com", "two.example.com"]),
        ({"sectionName": "two"}, ["two.example.com"]),
        ({"port": 8080}, ["two.example.com"]),
        ({"sectionName": "one", "port": 8080}, []),
        ({"sectionName": "missing"}, []),
    ],
)
def test_section_name_and_port_select_the_listener_sets_listeners(ref: dict[str, Any], expected: list[str]) -> None:
    ls = listener_set("ls", "apps", listener("one", hostname="one.example.com"),
                      listener("two", hostname="two.example.com", port=8080))
    result = run(route(parents=[on_set(**ref)]), allowing("All"), ls)
    assert sorted(e.name for e in result.endpoints) == expected


def _namespace(name: str, **labels: str) -> dict[str, Any]:
    return obj("v1", "Namespace", name, "", labels=labels or None)


@pytest.mark.parametrize(
    ("origin", "selector", "ls_namespace", "attached"),
    [
        (None, None, "apps", False),  # allowedListeners' default is None: no ListenerSet attaches
        ("None", None, "apps", False),
        ("All", None, "apps", True),
        ("Same", None, "apps", False),
        ("Same", None, "infra", True),
        ("Selector", {"matchLabels": {"team": "a"}}, "apps", True),
        ("Selector", {"matchLabels": {"team": "b"}}, "apps", False),
        ("Selector", None, "apps", False),  # a Selector without a selector admits nothing
        ("Bogus", None, "apps", False),
    ],
)
def test_the_gateways_allowed_listeners_decide(origin: str | None, selector: dict[str, Any] | None,
                                               ls_namespace: str, attached: bool) -> None:
    ls = listener_set("ls", ls_namespace)
    rt = route("route", ls_namespace, "a.apps.example.com")
    ls["spec"]["listeners"][0]["allowedRoutes"] = {"namespaces": {"from": "All"}}
    result = run(rt, allowing(origin, selector), ls, _namespace("apps", team="a"), _namespace("infra"))
    assert records(result) == (["a.apps.example.com A -> 203.0.113.1"] if attached else [])


@pytest.mark.parametrize(("route_namespace", "origin", "attached"),
                         [("apps", None, True), ("other", None, False), ("other", "All", True)])
def test_allowed_routes_same_means_the_listener_sets_namespace(route_namespace: str, origin: str | None,
                                                                 attached: bool) -> None:
    ls = listener_set("ls", "apps", listener("web", hostname="*.apps.example.com", origin=origin))
    rt = route("route", route_namespace, "a.apps.example.com", parents=[on_set(namespace="apps")])
    result = run(rt, allowing("All"), ls)
    assert records(result) == (["a.apps.example.com A -> 203.0.113.1"] if attached else [])


def test_the_parent_ref_namespace_defaults_to_the_listener_sets() -> None:
    gw = allowing("Same", namespace="apps")
    ls = listener_set("ls", "apps", parent={"name": "gw"})
    assert records(run(route("route", "apps", "a.apps.example.com"), gw, ls)) == ["a.apps.example.com A -> 203.0.113.1"]


def test_a_missing_gateway_or_listener_set_yields_nothing() -> None:
    rt = route("route", "apps", "a.apps.example.com")
    assert run(rt, listener_set()).endpoints == []
    assert run(rt, allowing("All")).endpoints == []


def test_targets_the_listener_sets_annotation_then_the_gateways_then_its_addresses() -> None:
    rt = route("route", "apps", "a.apps.example.com")
    assert records(run(rt, allowing("All", annotations=ga(target="gw.lb.example.net")),
                       listener_set(annotations=ga(target="198.51.100.7")))) == ["a.apps.example.com A -> 198.51.100.7"]
    assert records(run(rt, allowing("All", annotations=ga(target="gw.lb.example.net")), listener_set())) == [
        "a.apps.example.com CNAME -> gw.lb.example.net"]


def test_the_gateway_filters_apply_to_the_listener_sets_gateway() -> None:
    rt = route("route", "apps", "a.apps.example.com")
    others = (allowing("All"), listener_set())
    assert run(rt, *others, config=SourceConfig(gateway_listener_sets=True, gateway_name="other")).endpoints == []
    assert run(rt, *others, config=SourceConfig(gateway_listener_sets=True, gateway_namespace="apps")).endpoints == []
    assert records(run(rt, *others, config=SourceConfig(gateway_listener_sets=True, gateway_namespace="infra"))) == [
        "a.apps.example.com A -> 203.0.113.1"]


def test_a_listener_set_for_another_controller_is_left_alone() -> None:
    ls = listener_set(annotations=ga(controller="someone-else"))
    assert run(route("route", "apps", "a.apps.example.com"), allowing("All"), ls).endpoints == []


def test_the_annotation_filter_applies_to_listener_sets() -> None:
    rt = route("route", "apps", "a.apps.example.com")
    keep = SourceConfig(gateway_listener_sets=True, annotation_filter="dns in (public)")
    assert run(rt, allowing("All"), listener_set(), config=keep).endpoints == []
    assert records(run(rt, allowing("All"), listener_set(annotations={"dns": "public"}), config=keep)) == [
        "a.apps.example.com A -> 203.0.113.1"]


def test_gateway_and_listener_set_parents_merge_their_targets() -> None:
    gw = allowing("All", addresses=("203.0.113.1",))
    gw["spec"]["listeners"][0]["allowedRoutes"] = {"namespaces": {"from": "All"}}
    gw["spec"]["listeners"][0]["hostname"] = "*.apps.example.com"
    other = gateway("gw2", "infra", listener("http"), addresses=("203.0.113.2",))
    other["spec"]["allowedListeners"] = {"namespaces": {"from": "All"}}
    ls = listener_set(parent={"name": "gw2", "namespace": "infra"})
    rt = route("route", "apps", "a.apps.example.com",
               parents=[{"name": "gw", "namespace": "infra"}, on_set()])
    assert records(run(rt, gw, other, ls)) == ["a.apps.example.com A -> 203.0.113.1,203.0.113.2"]


def test_dependents_a_listener_set_or_its_gateway_re_plans_exactly_the_routes_on_it() -> None:
    gw, ls = allowing("All"), listener_set()
    on_ls = route("on-ls", "apps", "a.apps.example.com")
    on_gw = route("on-gw", "infra", "gw.example.com", parents=[{"name": "gw"}])
    elsewhere = route("elsewhere", "apps", "x.example.com", parents=[on_set("other-ls")])
    unrelated_set = listener_set("other-ls", "apps", parent={"name": "other-gw", "namespace": "infra"})
    view = store(gw, ls, on_ls, on_gw, elsewhere, unrelated_set, _namespace("apps"))
    assert sorted(set(HTTP.dependents(LISTENERSETS, ls, view))) == [("apps", "on-ls")]
    assert sorted(set(HTTP.dependents(GATEWAYS, gw, view))) == [("apps", "on-ls"), ("infra", "on-gw")]
    # The Namespace's labels may admit or refuse its ListenerSets (allowedListeners' selector).
    assert sorted(set(HTTP.dependents(NAMESPACES, _namespace("apps"), view))) == [("apps", "elsewhere"), ("apps", "on-ls")]
    ls_in_infra = listener_set("ls", "infra")
    route_on_it = route("cross", "apps", "c.apps.example.com", parents=[on_set(namespace="infra")])
    view = store(gw, ls_in_infra, route_on_it, _namespace("infra"))
    assert sorted(set(HTTP.dependents(NAMESPACES, _namespace("infra"), view))) == [("apps", "cross")]


def test_listener_sets_are_watched_only_with_the_flag() -> None:
    assert LISTENERSETS in HTTP.watched_kinds and HTTPROUTES in HTTP.watched_kinds
    assert LISTENERSETS not in live.watched_kinds(Settings.of(sources=("gateway-httproute",)))
    assert LISTENERSETS in live.watched_kinds(Settings.of(sources=("gateway-httproute",), gateway_listener_sets=True))
    assert LISTENERSETS not in live.watched_kinds(Settings.of(sources=("service",), gateway_listener_sets=True))
