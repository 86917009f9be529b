"""The `skipper-routegroup` and `openshift-route` sources, against external-dns v0.23.0's
source/skipper_routegroup.go, openshift_route.go and their tests."""

from __future__ import annotations

from typing import Any

from sourcekit import alpha, ga, obj, records, store

from zonekeeper.sources import SOURCES
from zonekeeper.sources.base import SourceConfig, SourceResult
from zonekeeper.sources.fqdn import compile_templates
from zonekeeper.sources.objects import OPENSHIFT_ROUTES, ROUTEGROUPS

RG = SOURCES["skipper-routegroup"].only
ROUTE = SOURCES["openshift-route"].only
TEMPLATE = SourceConfig(fqdn_template=compile_templates(("{{.Name}}.tmpl.example.com",)))


def route_group(name: str = "rg", *, hosts: list[str] | None = None, lb: list[dict[str, str]] | None = None,
                annotations: dict[str, str] | None = None, key: str = "routegroup") -> dict[str, Any]:
    return obj("zalando.org/v1", "RouteGroup", name, "default", annotations=annotations,
               spec={"hosts": hosts or [], "backends": [{"name": "b", "type": "shunt"}]},
               status={"loadBalancer": {key: lb or []}})


def router(name: str, host: str, canonical: str, admitted: str = "True") -> dict[str, Any]:
    return {"host": host, "routerName": name, "routerCanonicalHostname": canonical,
            "conditions": [{"type": "Admitted", "status": admitted}]}


def route(name: str = "web", *, ingress: list[dict[str, Any]] | None = None, spec_host: str = "spec.example.com",
          annotations: dict[str, str] | None = None) -> dict[str, Any]:
    return obj("route.openshift.io/v1", "Route", name, "default", annotations=annotations,
               spec={"host": spec_host, "to": {"kind": "Service", "name": name}},
               status={"ingress": ingress or []})


def run_rg(o: dict[str, Any], config: SourceConfig | None = None) -> SourceResult:
    return RG.function(o, store(o), config or SourceConfig())


def run_route(o: dict[str, Any], config: SourceConfig | None = None) -> SourceResult:
    return ROUTE.function(o, store(o), config or SourceConfig())


# -- skipper-routegroup -----------------------------------------------------------------------------


def test_routegroup_registered_as_external_dns_names_it() -> None:
    assert (RG.kind, RG.watched_kinds, RG.label_kind) == (ROUTEGROUPS, (ROUTEGROUPS,), "routegroup")


def test_routegroup_hosts_point_at_every_load_balancer_ip_and_hostname() -> None:
    o = route_group(hosts=["a.example.com", "b.example.com"], lb=[{"ip": "192.0.2.1"}, {"hostname": "lb.example.net"}])
    result = run_rg(o)
    # The CNAME cannot share its name with the A record: zonekeeper keeps the addresses and says so.
    assert records(result) == ["a.example.com A -> 192.0.2.1", "b.example.com A -> 192.0.2.1"]
    assert {p.reason for p in result.problems} == {"ConflictingTargets"}
    assert {e.resource for e in result.endpoints} == {"routegroup/default/rg"}


def test_routegroup_status_list_is_read_under_skipper_s_and_external_dns_s_spelling() -> None:
    for key in ("routegroup", "routeGroup"):
        o = route_group(hosts=["a.example.com"], lb=[{"hostname": "lb.example.net"}], key=key)
        assert records(run_rg(o)) == ["a.example.com CNAME -> lb.example.net"], key


def test_routegroup_hostname_annotation_adds_names_unless_ignored() -> None:
    o = route_group(hosts=["a.example.com"], lb=[{"ip": "192.0.2.1"}], annotations=alpha(hostname="c.example.com"))
    assert records(run_rg(o)) == ["a.example.com A -> 192.0.2.1", "c.example.com A -> 192.0.2.1"]
    assert records(run_rg(o, SourceConfig(ignore_hostname_annotation=True))) == ["a.example.com A -> 192.0.2.1"]


def test_routegroup_target_ttl_and_provider_specific_annotations() -> None:
    o = route_group(hosts=["a.example.com"], lb=[{"ip": "192.0.2.1"}],
                    annotations=ga(target="198.51.100.7", ttl="60", set_identifier="blue", aws_weight="10"))
    (endpoint,) = run_rg(o).endpoints
    assert str(endpoint).startswith("a.example.com A [blue] -> 198.51.100.7")
    assert (endpoint.ttl, dict(endpoint.provider_specific)) == (60, {"aws/weight": "10"})


def test_routegroup_fqdn_template_when_it_names_nothing_itself() -> None:
    o = route_group("shop", lb=[{"ip": "192.0.2.1"}])
    assert records(run_rg(o, TEMPLATE)) == ["shop.tmpl.example.com A -> 192.0.2.1"]
    named = route_group("shop", hosts=["a.example.com"], lb=[{"ip": "192.0.2.1"}])
    assert records(run_rg(named, TEMPLATE)) == ["a.example.com A -> 192.0.2.1"]


def test_routegroup_without_load_balancer_publishes_nothing() -> None:
    assert run_rg(route_group(hosts=["a.example.com"])).endpoints == []


def test_routegroup_of_another_controller_is_left_alone() -> None:
    o = route_group(hosts=["a.example.com"], lb=[{"ip": "192.0.2.1"}], annotations=ga(controller="other"))
    assert run_rg(o).endpoints == []


# -- openshift-route --------------------------------------------------------------------------------


def test_route_registered_as_external_dns_names_it() -> None:
    assert (ROUTE.kind, ROUTE.watched_kinds, ROUTE.label_kind) == (OPENSHIFT_ROUTES, (OPENSHIFT_ROUTES,), "route")


def test_route_host_and_target_come_from_the_first_admitting_router() -> None:
    o = route(ingress=[router("pending", "p.example.com", "p.apps.example.net", admitted="False"),
                       router("default", "web.example.com", "router-default.apps.example.net"),
                       router("sharded", "web2.example.com", "router-sharded.apps.example.net")])
    result = run_route(o)
    # Not spec.host: external-dns publishes what the router admitted.
    assert records(result) == ["web.example.com CNAME -> router-default.apps.example.net"]
    assert {e.resource for e in result.endpoints} == {"route/default/web"}


def test_openshift_router_name_picks_that_router_s_entry() -> None:
    o = route(ingress=[router("default", "web.example.com", "router-default.apps.example.net"),
                       router("sharded", "web2.example.com", "router-sharded.apps.example.net")])
    config = SourceConfig(openshift_router_name="sharded")
    assert records(run_route(o, config)) == ["web2.example.com CNAME -> router-sharded.apps.example.net"]
    assert records(run_route(o, SourceConfig(openshift_router_name="absent"))) == []


def test_route_entries_without_canonical_hostname_or_admission_are_skipped() -> None:
    no_canonical = router("default", "web.example.com", "")
    no_condition = {"host": "x.example.com", "routerName": "x", "routerCanonicalHostname": "x.apps.example.net"}
    assert run_route(route(ingress=[no_canonical, no_condition])).endpoints == []


def test_route_annotations_add_names_replace_the_target_and_set_routing() -> None:
    o = route(ingress=[router("default", "web.example.com", "router-default.apps.example.net")],
              annotations=ga(hostname="alt.example.com", ttl="120", set_identifier="east", aws_weight="5"))
    result = run_route(o)
    assert records(result) == ["alt.example.com CNAME [east] -> router-default.apps.example.net",
                               "web.example.com CNAME [east] -> router-default.apps.example.net"]
    assert {(e.ttl, dict(e.provider_specific).get("aws/weight")) for e in result.endpoints} == {(120, "5")}
    targeted = route(ingress=[router("default", "web.example.com", "router-default.apps.example.net")],
                     annotations=ga(target="192.0.2.9"))
    assert records(run_route(targeted)) == ["web.example.com A -> 192.0.2.9"]


def test_route_annotation_names_need_a_target() -> None:
    """An unadmitted Route has no router target; its hostname annotation alone publishes nothing."""
    o = route(annotations=ga(hostname="alt.example.com"))
    assert run_route(o).endpoints == []
    assert records(run_route(route(annotations=ga(hostname="alt.example.com", target="192.0.2.9")))) == [
        "alt.example.com A -> 192.0.2.9"]


def test_route_fqdn_template_takes_the_router_target() -> None:
    o = route("shop", ingress=[router("default", "", "router-default.apps.example.net")])
    assert records(run_route(o, TEMPLATE)) == ["shop.tmpl.example.com CNAME -> router-default.apps.example.net"]


def test_route_bad_status_host_is_a_problem_naming_it() -> None:
    o = route(ingress=[router("default", "bad_host!.example.com", "router-default.apps.example.net")])
    result = run_route(o)
    assert result.endpoints == []
    assert [(p.subject, p.reason) for p in result.problems] == [("route/default/web", "InvalidHostname")]
    assert "status.ingress[0].host" in result.problems[0].message


def test_dependents_are_the_objects_themselves() -> None:
    rg, r = route_group(), route()
    assert list(RG.dependents(ROUTEGROUPS, rg, store(rg))) == [("default", "rg")]
    assert list(ROUTE.dependents(OPENSHIFT_ROUTES, r, store(r))) == [("default", "web")]
    assert list(ROUTE.dependents(ROUTEGROUPS, rg, store(rg))) == []


# -- their flags ------------------------------------------------------------------------------------


def test_skipper_routegroup_groupversion_takes_the_one_version_skipper_serves() -> None:
    import pytest

    from zonekeeper.config import Settings
    from zonekeeper.settings.flag import ConfigError

    Settings.of(txt_owner_id="x", skipper_routegroup_groupversion="zalando.org/v1").validate()
    with pytest.raises(ConfigError, match=r"--skipper-routegroup-groupversion 'zalando.org/v2'.*zalando.org/v1"):
        Settings.of(txt_owner_id="x", skipper_routegroup_groupversion="zalando.org/v2").validate()


def test_openshift_router_name_reaches_the_source() -> None:
    from zonekeeper.config import Settings
    from zonekeeper.wiring import source_config

    settings = Settings.of(txt_owner_id="x", sources=("openshift-route",), openshift_router_name="sharded")
    settings.validate()
    assert source_config(settings).openshift_router_name == "sharded"


def test_fields_of_the_wrong_type_never_break_the_four_sources() -> None:
    """Objects from files are not checked against a schema: each wrong-typed field yields nothing."""
    from zonekeeper.sources import run_one

    garbage: list[Any] = [None, 7, "text", ["a"], {"k": "v"}]
    for value in garbage:
        objects = {
            "f5-virtualserver": obj("cis.f5.com/v1", "VirtualServer", "vs", spec={"host": value, "hostAliases": value},
                                    status={"vsAddress": "192.0.2.1"}),
            "f5-transportserver": obj("cis.f5.com/v1", "TransportServer", "ts", spec=value,
                                      status={"vsAddress": value}),
            "skipper-routegroup": obj("zalando.org/v1", "RouteGroup", "rg", spec={"hosts": value},
                                      status={"loadBalancer": {"routegroup": value}}),
            "openshift-route": obj("route.openshift.io/v1", "Route", "r",
                                   status={"ingress": [value, {"host": value, "conditions": value}]}),
        }
        for name, o in objects.items():
            result = run_one(SOURCES[name].only, o, store(o), SourceConfig())
            assert "SourceError" not in {p.reason for p in result.problems}, (name, value, result.problems)
