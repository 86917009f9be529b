from __future__ import annotations

from typing import Any

import pytest
from sourcekit import alpha, ga, ingress, istio_gateway, reasons, records, service, store, virtual_service

from zonekeeper.sources import istio_gateway as gw_source
from zonekeeper.sources import istio_virtualservice as vs_source
from zonekeeper.sources.base import SourceConfig, SourceResult
from zonekeeper.sources.objects import INGRESSES, ISTIO_GATEWAYS, ISTIO_VIRTUALSERVICES, SERVICES, resource_of

CONFIG = SourceConfig()
NLB = "k8s-istiosys-istioing-0a1b2c3d4e-0123456789abcdef.elb.us-east-1.amazonaws.com"


def ingress_gateway_service(*lb: str, namespace: str = "istio-system", **spec: Any) -> dict[str, Any]:
    return service(
        "istio-ingressgateway",
        namespace,
        selector={"app": "istio-ingressgateway", "istio": "ingressgateway"},
        lb=lb or (NLB,),
        **spec,
    )


def run_gw(gw: dict[str, Any], *others: dict[str, Any], config: SourceConfig = CONFIG) -> SourceResult:
    return gw_source.endpoints(gw, store(gw, *others), config)


# --- Gateway hosts ------------------------------------------------------------------------------


def test_gateway_hosts_strip_namespace_and_skip_any() -> None:
    gw = istio_gateway(
        hosts=(
            "bookinfo.example.com",
            "ns1/a.example.com",
            "*/b.example.com",
            "./c.example.com",
            "*",
            "ns1/*",
        )
    )
    result = run_gw(gw, ingress_gateway_service())
    assert records(result) == [
        f"a.example.com CNAME -> {NLB}",
        f"b.example.com CNAME -> {NLB}",
        f"bookinfo.example.com CNAME -> {NLB}",
        f"c.example.com CNAME -> {NLB}",
    ]
    assert {e.resource for e in result.endpoints} == {"gateway/istio-system/gw"}


def test_gateway_hosts_across_servers_and_hostname_annotation() -> None:
    gw = istio_gateway(
        servers=[{"hosts": ["a.example.com"]}, {"hosts": ["b.example.com", "a.example.com"]}],
        annotations=ga(hostname="c.example.com"),
    )
    assert records(run_gw(gw, ingress_gateway_service("1.2.3.4"))) == [
        "a.example.com A -> 1.2.3.4",
        "b.example.com A -> 1.2.3.4",
        "c.example.com A -> 1.2.3.4",
    ]
    assert (
        len(
            records(
                run_gw(
                    gw,
                    ingress_gateway_service("1.2.3.4"),
                    config=SourceConfig(ignore_hostname_annotation=True),
                )
            )
        )
        == 2
    )


def test_gateway_invalid_host_is_reported_with_its_field() -> None:
    gw = istio_gateway(hosts=("ok.example.com", "a/b/c.example.com", "bad..example.com"))
    result = run_gw(gw, ingress_gateway_service("1.2.3.4"))
    assert records(result) == ["ok.example.com A -> 1.2.3.4"]
    assert reasons(result) == ["InvalidHostname", "InvalidHostname"]
    assert any("spec.servers[0].hosts[2]" in p.message for p in result.problems)


@pytest.mark.parametrize("version", ["v1", "v1beta1", "v1alpha3"])
def test_gateway_api_versions_are_all_read(version: str) -> None:
    gw = istio_gateway(hosts=("a.example.com",), version=version)
    assert resource_of(gw) == ISTIO_GATEWAYS
    assert records(run_gw(gw, ingress_gateway_service("1.2.3.4"))) == ["a.example.com A -> 1.2.3.4"]


# --- Gateway targets ----------------------------------------------------------------------------


def test_gateway_target_annotation_wins() -> None:
    gw = istio_gateway(hosts=("a.example.com",), annotations=alpha(target="203.0.113.5"))
    assert records(run_gw(gw, ingress_gateway_service("1.2.3.4"))) == ["a.example.com A -> 203.0.113.5"]


@pytest.mark.parametrize(
    ("value", "ingress_ns"),
    [("edge", "istio-system"), ("web/edge", "web"), ("/edge", "istio-system")],
)
def test_gateway_ingress_annotation(value: str, ingress_ns: str) -> None:
    gw = istio_gateway(hosts=("a.example.com",), annotations=ga(ingress=value))
    ing = ingress("edge", ingress_ns, lb=("lb.example.net",))
    ing["status"]["loadBalancer"]["ingress"] = [
        {"ip": "1.2.3.4", "hostname": "lb.example.net"},
        {"hostname": "x.example.net"},
    ]
    # IP, else hostname, per entry; the selector-matched Service is not consulted.
    result = run_gw(gw, ing, ingress_gateway_service("9.9.9.9"))
    assert reasons(result) == ["ConflictingTargets"]
    assert records(result) == ["a.example.com A -> 1.2.3.4"]


def test_gateway_ingress_annotation_missing_or_malformed() -> None:
    gw = istio_gateway(hosts=("a.example.com",), annotations=ga(ingress="nope"))
    result = run_gw(gw, ingress_gateway_service("9.9.9.9"))
    assert result.endpoints == []
    assert reasons(result) == ["ReferenceNotFound"]
    assert "istio-system/nope" in result.problems[0].message
    gw = istio_gateway(hosts=("a.example.com",), annotations=ga(ingress="a/b/c"))
    result = run_gw(gw)
    assert reasons(result) == ["InvalidAnnotation"]
    assert result.problems[0].subject == "gateway/istio-system/gw"


def test_gateway_selector_matches_services_in_every_namespace() -> None:
    gw = istio_gateway(hosts=("a.example.com",))
    matching_elsewhere = service(
        "gw2", "edge", selector={"istio": "ingressgateway", "x": "y"}, lb=("5.6.7.8",)
    )
    not_matching = service("other", "istio-system", selector={"istio": "egressgateway"}, lb=("6.6.6.6",))
    no_selector = service("plain", "istio-system", lb=("7.7.7.7",))
    view = store(gw, ingress_gateway_service("1.2.3.4"), matching_elsewhere, not_matching, no_selector)
    assert records(gw_source.endpoints(gw, view, CONFIG)) == ["a.example.com A -> 1.2.3.4,5.6.7.8"]
    assert [s["metadata"]["name"] for s in gw_source.services_for_gateway(gw, view)] == [
        "gw2",
        "istio-ingressgateway",
    ]


def test_gateway_selector_needs_every_key() -> None:
    gw = istio_gateway(hosts=("a.example.com",), selector={"istio": "ingressgateway", "team": "a"})
    assert run_gw(gw, ingress_gateway_service("1.2.3.4")).endpoints == []


def test_gateway_without_selector_matches_no_service() -> None:
    gw = istio_gateway(hosts=("a.example.com",), selector={})
    assert run_gw(gw, ingress_gateway_service("1.2.3.4")).endpoints == []


def test_gateway_service_external_ips_then_ip_then_hostname() -> None:
    gw = istio_gateway(hosts=("a.example.com",))
    svc = ingress_gateway_service("1.2.3.4", externalIPs=["198.51.100.1"])
    assert records(run_gw(gw, svc)) == ["a.example.com A -> 198.51.100.1"]
    svc = ingress_gateway_service()
    svc["status"]["loadBalancer"]["ingress"] = [{"ip": "1.2.3.4", "hostname": NLB}]
    assert records(run_gw(gw, svc)) == ["a.example.com A -> 1.2.3.4"]


def test_gateway_targets_deduplicated_across_services() -> None:
    gw = istio_gateway(hosts=("a.example.com",))
    twin = service("twin", "other", selector={"istio": "ingressgateway"}, lb=(NLB,))
    result = run_gw(gw, ingress_gateway_service(), twin)
    assert records(result) == [f"a.example.com CNAME -> {NLB}"]
    assert result.problems == []


def test_gateway_common_annotations_and_controller() -> None:
    gw = istio_gateway(
        hosts=("a.example.com",), annotations=ga(ttl="45", set_identifier="east", aws_region="us-east-1")
    )
    endpoint = run_gw(gw, ingress_gateway_service()).endpoints[0]
    assert (endpoint.ttl, endpoint.set_identifier, endpoint.prop("aws/region")) == (45, "east", "us-east-1")
    gw = istio_gateway(hosts=("a.example.com",), annotations=ga(controller="x"))
    assert run_gw(gw, ingress_gateway_service()) == SourceResult()


def test_gateway_dependents() -> None:
    gw = istio_gateway(hosts=("a.example.com",))
    gw_ing = istio_gateway("gw-ing", "web", hosts=("b.example.com",), annotations=ga(ingress="edge"))
    svc = ingress_gateway_service()
    view = store(gw, gw_ing, svc)
    assert list(gw_source.dependents(ISTIO_GATEWAYS, gw, view)) == [("istio-system", "gw")]
    # gw-ing selects the Service too; whether its `ingress` annotation counts depends on the prefixes
    # read, which dependents do not know, so it is re-planned as well (harmless).
    assert list(gw_source.dependents(SERVICES, svc, view)) == [("istio-system", "gw"), ("web", "gw-ing")]
    assert list(gw_source.dependents(SERVICES, service("unrelated", selector={"app": "x"}), view)) == []
    assert list(gw_source.dependents(INGRESSES, ingress("edge", "web"), view)) == [("web", "gw-ing")]
    assert list(gw_source.dependents(INGRESSES, ingress("edge", "default"), view)) == []


def test_gateway_dependents_see_an_ingress_named_under_any_prefix() -> None:
    """A sharded instance reads `shard-a/ingress`: the Ingress it names must re-plan the Gateway."""
    gw_ing = istio_gateway("gw-ing", "web", hosts=("b.example.com",), annotations={"shard-a/ingress": "edge"})
    view = store(gw_ing)
    assert list(gw_source.dependents(INGRESSES, ingress("edge", "web"), view)) == [("web", "gw-ing")]


# --- VirtualService -----------------------------------------------------------------------------


def run_vs(vs: dict[str, Any], *others: dict[str, Any], config: SourceConfig = CONFIG) -> SourceResult:
    return vs_source.endpoints(vs, store(vs, *others), config)


GW_WILD = istio_gateway("public", "istio-system", hosts=("*.example.com",))


def test_virtualservice_binds_to_a_gateway_in_another_namespace() -> None:
    vs = virtual_service(hosts=("reviews.example.com",), gateways=("istio-system/public", "mesh"))
    result = run_vs(vs, GW_WILD, ingress_gateway_service())
    assert records(result) == [f"reviews.example.com CNAME -> {NLB}"]
    assert result.endpoints[0].resource == "virtualservice/default/vs"


def test_virtualservice_same_namespace_gateway_name() -> None:
    gw = istio_gateway("bookinfo-gateway", "bookinfo", hosts=("bookinfo.example.com",))
    vs = virtual_service(
        "bookinfo", "bookinfo", hosts=("bookinfo.example.com",), gateways=("bookinfo-gateway",)
    )
    assert records(run_vs(vs, gw, ingress_gateway_service())) == [f"bookinfo.example.com CNAME -> {NLB}"]


def test_virtualservice_skips_star_and_mesh_only() -> None:
    vs = virtual_service(hosts=("*", "reviews"), gateways=("mesh",))
    result = run_vs(vs, GW_WILD, ingress_gateway_service())
    assert result.endpoints == [] and result.problems == []


def test_virtualservice_missing_gateway_publishes_nothing() -> None:
    vs = virtual_service(hosts=("a.example.com",), gateways=("istio-system/absent",))
    assert run_vs(vs, ingress_gateway_service()).endpoints == []
    # Still re-planned when that Gateway appears.
    absent = {"metadata": {"name": "absent", "namespace": "istio-system"}}
    assert list(vs_source.dependents(ISTIO_GATEWAYS, absent, store(vs))) == [("default", vs["metadata"]["name"])]


@pytest.mark.parametrize(
    ("server_host", "vs_namespace", "gw_namespace", "vs_host", "binds"),
    [
        ("a.example.com", "default", "istio-system", "a.example.com", True),
        ("a.example.com", "default", "istio-system", "b.example.com", False),
        ("*", "default", "istio-system", "anything.example.org", True),
        ("*.example.com", "default", "istio-system", "a.b.example.com", True),
        ("*.example.com", "default", "istio-system", "example.com", False),
        ("*/a.example.com", "default", "istio-system", "a.example.com", True),
        ("default/a.example.com", "default", "istio-system", "a.example.com", True),
        ("other/a.example.com", "default", "istio-system", "a.example.com", False),
        ("./a.example.com", "default", "istio-system", "a.example.com", False),
        ("./a.example.com", "shared", "shared", "a.example.com", True),
        ("x/y/a.example.com", "default", "istio-system", "a.example.com", False),
        ("A.Example.com", "default", "istio-system", "a.example.com", True),
    ],
)
def test_binding_host_rules(
    server_host: str, vs_namespace: str, gw_namespace: str, vs_host: str, binds: bool
) -> None:
    gw = istio_gateway("g", gw_namespace, hosts=(server_host,))
    vs = virtual_service(namespace=vs_namespace, hosts=(vs_host,))
    assert vs_source.binds(vs, gw, vs_host) is binds


@pytest.mark.parametrize(
    ("export_to", "vs_namespace", "gw_namespace", "binds"),
    [
        (None, "default", "istio-system", True),
        (("*",), "default", "istio-system", True),
        ((".",), "default", "istio-system", False),
        ((".",), "shared", "shared", True),
        (("istio-system",), "default", "istio-system", True),
        (("other",), "default", "istio-system", False),
        (("other", "istio-system"), "default", "istio-system", True),
    ],
)
def test_binding_export_to(
    export_to: tuple[str, ...] | None, vs_namespace: str, gw_namespace: str, binds: bool
) -> None:
    gw = istio_gateway("g", gw_namespace, hosts=("*",))
    vs = virtual_service(namespace=vs_namespace, hosts=("a.example.com",), export_to=export_to)
    assert vs_source.binds(vs, gw, "a.example.com") is binds


def test_virtualservice_hosts_bind_per_host_and_union_targets() -> None:
    gw_a = istio_gateway("gw-a", "istio-system", hosts=("a.example.com",), annotations=ga(target="1.1.1.1"))
    gw_b = istio_gateway("gw-b", "istio-system", hosts=("*.example.com",), annotations=ga(target="2.2.2.2"))
    vs = virtual_service(
        hosts=("a.example.com", "b.example.com", "c.example.org"),
        gateways=("istio-system/gw-a", "istio-system/gw-b"),
    )
    assert records(run_vs(vs, gw_a, gw_b)) == [
        "a.example.com A -> 1.1.1.1,2.2.2.2",
        "b.example.com A -> 2.2.2.2",
    ]


def test_virtualservice_hostname_annotation_must_bind_too() -> None:
    vs = virtual_service(
        hosts=("a.example.com",),
        gateways=("istio-system/public",),
        annotations=ga(hostname="x.example.com,y.example.org"),
    )
    assert records(run_vs(vs, GW_WILD, ingress_gateway_service("1.2.3.4"))) == [
        "a.example.com A -> 1.2.3.4",
        "x.example.com A -> 1.2.3.4",
    ]


def test_virtualservice_target_annotation_short_circuits() -> None:
    vs = virtual_service(
        hosts=("a.example.com", "b.example.org"),
        gateways=(),
        annotations=ga(target="lb.example.net", ttl="1h"),
    )
    result = run_vs(vs)
    assert records(result) == [
        "a.example.com CNAME -> lb.example.net",
        "b.example.org CNAME -> lb.example.net",
    ]
    assert {e.ttl for e in result.endpoints} == {3600}


def test_virtualservice_reports_gateway_problems_and_bad_refs() -> None:
    gw = istio_gateway("public", "istio-system", hosts=("*.example.com",), annotations=ga(ingress="missing"))
    vs = virtual_service(
        hosts=("a.example.com", "bad..example.com"), gateways=("istio-system/public", "a/b/c")
    )
    result = run_vs(vs, gw)
    assert result.endpoints == []
    assert reasons(result) == ["InvalidGatewayReference", "InvalidHostname", "ReferenceNotFound"]
    subjects = {p.reason: p.subject for p in result.problems}
    assert subjects["ReferenceNotFound"] == "gateway/istio-system/public"
    assert subjects["InvalidHostname"] == "virtualservice/default/vs"


def test_virtualservice_dependents() -> None:
    vs1 = virtual_service("vs1", hosts=("a.example.com",), gateways=("istio-system/public",))
    vs2 = virtual_service("vs2", "istio-system", hosts=("b.example.com",), gateways=("public",))
    vs3 = virtual_service("vs3", hosts=("c.example.com",), gateways=("other",))
    svc = ingress_gateway_service()
    view = store(vs1, vs2, vs3, GW_WILD, svc)
    assert list(vs_source.dependents(ISTIO_VIRTUALSERVICES, vs1, view)) == [("default", "vs1")]
    assert sorted(vs_source.dependents(ISTIO_GATEWAYS, GW_WILD, view)) == [
        ("default", "vs1"),
        ("istio-system", "vs2"),
    ]
    assert sorted(vs_source.dependents(SERVICES, svc, view)) == [("default", "vs1"), ("istio-system", "vs2")]
    assert list(vs_source.dependents(SERVICES, service("x", selector={"a": "b"}), view)) == []
    # A Gateway that does not exist yet still makes vs3 depend on it.
    assert list(vs_source.dependents(ISTIO_GATEWAYS, istio_gateway("other", "default"), view)) == [
        ("default", "vs3")
    ]
