"""The ingress controllers' CRD sources on plain objects: contour-httpproxy, kong-tcpingress,
ambassador-host, gloo-proxy. Expected records are external-dns v0.23.0's (its source code and tests)."""

from __future__ import annotations

from typing import Any

import pytest
from sourcekit import alpha, ga, ingress, lb_status, obj, reasons, records, service, store

from zonekeeper import sources
from zonekeeper.endpoint import RESOURCE_LABEL
from zonekeeper.kube import resources
from zonekeeper.sources import ambassador_host, contour_httpproxy, gloo_proxy, kong_tcpingress
from zonekeeper.sources.base import SourceConfig, SourceResult
from zonekeeper.sources.fqdn import compile_templates
from zonekeeper.sources.objects import (
    AMBASSADOR_HOSTS,
    GLOO_GATEWAYS,
    GLOO_PROXIES,
    GLOO_VIRTUALSERVICES,
    HTTPPROXIES,
    INGRESSES,
    SERVICES,
    TCPINGRESSES,
    resource_of,
)

CONFIG = SourceConfig()
ELB = "a1b2c3.elb.us-east-1.amazonaws.com"
AMB = "external-dns.ambassador-service"


def run(module: Any, primary: dict[str, Any], *others: dict[str, Any], config: SourceConfig = CONFIG) -> SourceResult:
    result: SourceResult = module.endpoints(primary, store(primary, *others), config)
    return result


# --- contour-httpproxy --------------------------------------------------------------------------


def httpproxy(name: str = "web", namespace: str = "default", *, fqdn: str = "", lb: tuple[str, ...] = (),
              annotations: dict[str, str] | None = None) -> dict[str, Any]:
    spec: dict[str, Any] = {"virtualhost": {"fqdn": fqdn}} if fqdn else {"routes": []}
    return obj("projectcontour.io/v1", "HTTPProxy", name, namespace, annotations=annotations, spec=spec,
               status=lb_status(*lb) if lb else None)


def test_httpproxy_fqdn_and_hostname_annotation_point_at_its_own_status() -> None:
    proxy = httpproxy(fqdn="web.example.com", lb=("8.8.8.8", ELB), annotations=ga(hostname="alt.example.com", ttl="60"))
    result = run(contour_httpproxy, proxy)
    # Both status entries are targets; a CNAME beside the A record is refused (as for every source).
    assert records(result) == ["alt.example.com A -> 8.8.8.8", "web.example.com A -> 8.8.8.8"]
    assert reasons(result) == ["ConflictingTargets", "ConflictingTargets"]
    assert {e.ttl for e in result.endpoints} == {60}
    assert {e.resource for e in result.endpoints} == {"HTTPProxy/default/web"}


def test_httpproxy_target_annotation_wins_and_ignore_hostname_annotation() -> None:
    proxy = httpproxy(fqdn="web.example.com", lb=("8.8.8.8",),
                      annotations=ga(target="1.2.3.4", hostname="alt.example.com"))
    assert records(run(contour_httpproxy, proxy)) == ["alt.example.com A -> 1.2.3.4", "web.example.com A -> 1.2.3.4"]
    assert records(run(contour_httpproxy, proxy, config=SourceConfig(ignore_hostname_annotation=True))) == [
        "web.example.com A -> 1.2.3.4"]


def test_httpproxy_without_virtualhost_takes_the_fqdn_template() -> None:
    config = SourceConfig(fqdn_template=compile_templates(("{{.Name}}.{{.Namespace}}.example.com",)))
    assert records(run(contour_httpproxy, httpproxy("api", "shop", lb=("8.8.4.4",)), config=config)) == [
        "api.shop.example.com A -> 8.8.4.4"]
    # An HTTPProxy with records of its own keeps them only, unless --combine-fqdn-annotation.
    own = httpproxy("api", "shop", fqdn="own.example.com", lb=("8.8.4.4",))
    assert records(run(contour_httpproxy, own, config=config)) == ["own.example.com A -> 8.8.4.4"]


def test_httpproxy_of_another_controller_and_bad_fqdn() -> None:
    other = httpproxy(fqdn="web.example.com", lb=("8.8.8.8",), annotations=ga(controller="someone-else"))
    assert run(contour_httpproxy, other).endpoints == []
    bad = run(contour_httpproxy, httpproxy(fqdn="bad_host..example.com", lb=("8.8.8.8",)))
    assert bad.endpoints == [] and reasons(bad) == ["InvalidHostname"]


# --- kong-tcpingress ----------------------------------------------------------------------------


def tcpingress(name: str = "tcp", namespace: str = "default", *, hosts: tuple[str, ...] = (),
               lb: tuple[str, ...] = (), annotations: dict[str, str] | None = None) -> dict[str, Any]:
    spec = {"rules": [{"host": h, "port": 9000, "backend": {"serviceName": "db", "servicePort": 5432}} for h in hosts],
            "tls": [{"hosts": ["tls-only.example.com"]}]}
    return obj("configuration.konghq.com/v1beta1", "TCPIngress", name, namespace, annotations=annotations,
               spec=spec, status=lb_status(*lb) if lb else None)


def test_tcpingress_rules_and_annotation_not_tls_hosts() -> None:
    ing = tcpingress(hosts=("a.example.com", "b.example.com"), lb=(ELB,), annotations=alpha(hostname="c.example.com"))
    result = run(kong_tcpingress, ing)
    assert records(result) == [f"{h}.example.com CNAME -> {ELB}" for h in "abc"]
    assert {e.resource for e in result.endpoints} == {"tcpingress/default/tcp"}


def test_tcpingress_target_annotation_no_template_and_controller() -> None:
    ing = tcpingress(hosts=("a.example.com",), lb=(ELB,), annotations=ga(target="10.0.0.1,10.0.0.2"))
    assert records(run(kong_tcpingress, ing)) == ["a.example.com A -> 10.0.0.1,10.0.0.2"]
    # external-dns gives kong-tcpingress no --fqdn-template.
    config = SourceConfig(fqdn_template=compile_templates(("{{.Name}}.example.com",)))
    assert run(kong_tcpingress, tcpingress(lb=(ELB,)), config=config).endpoints == []
    other = tcpingress(hosts=("a.example.com",), lb=(ELB,), annotations=ga(controller="other"))
    assert run(kong_tcpingress, other).endpoints == []


# --- ambassador-host ----------------------------------------------------------------------------


def host(name: str = "site", namespace: str = "emissary", *, hostname: str = "site.example.com",
         annotations: dict[str, str] | None = None) -> dict[str, Any]:
    return obj("getambassador.io/v3alpha1", "Host", name, namespace, annotations=annotations,
               spec={"hostname": hostname, "acmeProvider": {"authority": "none"}})


@pytest.mark.parametrize(("value", "expected"), [
    ("svc", ("default", "svc")), ("ns/svc", ("ns", "svc")), ("svc.ns", ("ns", "svc")),
    ("svc.ns.foo.bar", ("ns.foo.bar", "svc")), ("ns/svc/foo/bar", None), ("ns.foo/svc/bar", None),
])
def test_ambassador_service_references_as_external_dns_parses_them(value: str, expected: Any) -> None:
    assert ambassador_host.parse_service(value) == expected


def test_host_points_at_its_service_load_balancer() -> None:
    svc = service("emissary", "emissary", lb=("203.0.113.10", ELB))
    result = run(ambassador_host, host(annotations={AMB: "emissary/emissary", **ga(ttl="120")}), svc)
    assert records(result) == ["site.example.com A -> 203.0.113.10"] and reasons(result) == ["ConflictingTargets"]
    assert {e.ttl for e in result.endpoints} == {120}
    assert {e.resource for e in result.endpoints} == {"host/emissary/site"}


def test_host_external_ips_win_and_name_dot_namespace() -> None:
    svc = service("emissary", "edge", lb=("203.0.113.10",), externalIPs=["2.2.2.2"])
    assert records(run(ambassador_host, host(annotations={AMB: "emissary.edge"}), svc)) == [
        "site.example.com A -> 2.2.2.2"]


def test_host_without_the_annotation_is_not_read_and_hostname_annotation_is_ignored() -> None:
    svc = service("emissary", "default", lb=("1.1.1.1",))
    assert run(ambassador_host, host(annotations=ga(target="9.9.9.9")), svc).endpoints == []
    result = run(ambassador_host, host(annotations={AMB: "emissary", **ga(hostname="x.example.com")}), svc)
    assert records(result) == ["site.example.com A -> 1.1.1.1"]


def test_host_target_annotation_and_controller_annotation_ignored() -> None:
    annotations = {AMB: "missing", **ga(target="dns.google", controller="other")}
    assert records(run(ambassador_host, host(annotations=annotations))) == ["site.example.com CNAME -> dns.google"]


def test_host_missing_or_malformed_service_is_a_problem() -> None:
    missing = run(ambassador_host, host(annotations={AMB: "emissary/nope"}))
    assert missing.endpoints == [] and reasons(missing) == ["ReferenceNotFound"]
    assert "emissary/nope" in missing.problems[0].message
    bad = run(ambassador_host, host(annotations={AMB: "a/b/c"}))
    assert bad.endpoints == [] and reasons(bad) == ["InvalidAnnotation"]


def test_host_dependents_are_the_hosts_naming_a_service() -> None:
    hosts = [host("a", annotations={AMB: "emissary/edge"}), host("b", annotations={AMB: "edge.emissary"}),
             host("c", annotations={AMB: "other/edge"}), host("d")]
    view = store(*hosts)
    changed = service("edge", "emissary")
    assert sorted(ambassador_host.dependents(SERVICES, changed, view)) == [("emissary", "a"), ("emissary", "b")]


# --- gloo-proxy ---------------------------------------------------------------------------------


def vh(*domains: str, vs: tuple[str, str] | None = None, static_vs: tuple[str, str] | None = None) -> dict[str, Any]:
    virtual_host: dict[str, Any] = {"domains": list(domains)}
    if vs:
        virtual_host["metadata"] = {"sources": [{"kind": "*v1.VirtualService", "namespace": vs[0], "name": vs[1]},
                                                {"kind": "*v1.Unknown", "namespace": "x", "name": "y"}]}
    if static_vs:
        virtual_host["metadataStatic"] = {"sources": [{"resourceKind": "*v1.VirtualService",
                                                       "resourceRef": {"namespace": static_vs[0],
                                                                       "name": static_vs[1]}}]}
    return virtual_host


def proxy(name: str = "gateway-proxy", namespace: str = "gloo-system", *, hosts: list[dict[str, Any]],
          gateway: tuple[str, str] | None = None, aggregate: dict[str, Any] | None = None,
          annotations: dict[str, str] | None = None) -> dict[str, Any]:
    listener: dict[str, Any] = {"name": "http", "httpListener": {"virtualHosts": hosts}}
    if gateway:
        listener["metadataStatic"] = {"sources": [{"resourceKind": "*v1.Gateway",
                                                   "resourceRef": {"namespace": gateway[0], "name": gateway[1]}}]}
    if aggregate:
        listener["aggregateListener"] = aggregate
    return obj("gloo.solo.io/v1", "Proxy", name, namespace, annotations=annotations, spec={"listeners": [listener]})


def gloo_vs(name: str, namespace: str = "apps", **annotations: str) -> dict[str, Any]:
    return obj("gateway.solo.io/v1", "VirtualService", name, namespace, annotations=ga(**annotations))


def gloo_gateway(name: str = "gateway-proxy", namespace: str = "gloo-system",
                 annotations: dict[str, str] | None = None) -> dict[str, Any]:
    return obj("gateway.solo.io/v1", "Gateway", name, namespace, annotations=annotations)


def test_proxy_domains_point_at_the_proxy_service_with_virtual_service_annotations() -> None:
    px = proxy(hosts=[vh("a.example.com", "b.example.com."), vh("c.example.com", vs=("apps", "shop"))])
    svc = service("gateway-proxy", "gloo-system", lb=(ELB,))
    result = run(gloo_proxy, px, svc, gloo_vs("shop", ttl="300", aws_weight="10", set_identifier="blue"))
    by_name = {(e.name, e.type): e for e in result.endpoints}
    assert sorted(by_name) == [(f"{n}.example.com", "CNAME") for n in "abc"]
    assert by_name[("a.example.com", "CNAME")].ttl == 0  # no VirtualService: no TTL of its own
    shop = by_name[("c.example.com", "CNAME")]
    assert (shop.ttl, shop.set_identifier, dict(shop.provider_specific)) == (300, "blue", {"aws/weight": "10"})
    # external-dns labels gloo records with no resource.
    assert all(RESOURCE_LABEL not in dict(e.labels) for e in result.endpoints)


def test_proxy_outside_the_gloo_namespaces_is_not_read() -> None:
    px = proxy(namespace="elsewhere", hosts=[vh("a.example.com")], annotations=ga(target="1.1.1.1"))
    assert run(gloo_proxy, px).endpoints == []
    config = SourceConfig(gloo_namespaces=("elsewhere", "gloo-system"))
    assert records(run(gloo_proxy, px, config=config)) == ["a.example.com A -> 1.1.1.1"]


def test_proxy_targets_from_its_gateways_ingress_before_its_service() -> None:
    px = proxy(hosts=[vh("a.example.com")], gateway=("gloo-system", "gw"))
    gw = gloo_gateway("gw", annotations=ga(ingress="web/edge"))
    # The Ingress's IP only (IP, else hostname), as external-dns reads it here.
    edge = ingress("edge", "web", lb=("198.51.100.1", ELB))
    svc = service("gateway-proxy", "gloo-system", lb=("203.0.113.7",))
    assert records(run(gloo_proxy, px, gw, edge, svc)) == ["a.example.com A -> 198.51.100.1"]
    # A Gateway without the annotation: the Proxy's Service.
    assert records(run(gloo_proxy, px, gloo_gateway("gw"), svc)) == ["a.example.com A -> 203.0.113.7"]


def test_proxy_target_annotation_wins() -> None:
    px = proxy(hosts=[vh("a.example.com")], annotations=ga(target="lb.example.net"))
    assert records(run(gloo_proxy, px)) == ["a.example.com CNAME -> lb.example.net"]


def test_proxy_aggregate_listener_virtual_hosts() -> None:
    aggregate = {"httpFilterChains": [{"virtualHostRefs": ["vh-1", "missing"]}],
                 "httpResources": {"virtualHosts": {"vh-1": vh("agg.example.com", static_vs=("apps", "shop")),
                                                    "vh-2": vh("unused.example.com")}}}
    px = proxy(hosts=[], aggregate=aggregate, annotations=ga(target="1.1.1.1"))
    result = run(gloo_proxy, px, gloo_vs("shop", ttl="30"))
    assert records(result) == ["agg.example.com A -> 1.1.1.1"]
    assert result.endpoints[0].ttl == 30


def test_proxy_whose_service_is_not_a_load_balancer_or_missing() -> None:
    px = proxy(hosts=[vh("a.example.com")])
    cluster_ip = run(gloo_proxy, px, service("gateway-proxy", "gloo-system", type="ClusterIP"))
    assert cluster_ip.endpoints == [] and reasons(cluster_ip) == ["UnsupportedServiceType"]
    missing = run(gloo_proxy, px)
    assert missing.endpoints == [] and reasons(missing) == ["ReferenceNotFound"]


def test_proxy_missing_virtual_service_skips_that_virtual_host_only() -> None:
    px = proxy(hosts=[vh("a.example.com", vs=("apps", "gone")), vh("b.example.com")], annotations=ga(target="1.1.1.1"))
    result = run(gloo_proxy, px)
    assert records(result) == ["b.example.com A -> 1.1.1.1"] and reasons(result) == ["ReferenceNotFound"]


def test_proxy_dependents() -> None:
    px = proxy(hosts=[vh("a.example.com", vs=("apps", "shop"))], gateway=("gloo-system", "gw"))
    other = proxy("other", hosts=[vh("b.example.com")])
    gw = gloo_gateway("gw", annotations=alpha(ingress="edge"))
    view = store(px, other, gw)
    assert list(gloo_proxy.dependents(SERVICES, service("gateway-proxy", "gloo-system"), view)) == [
        ("gloo-system", "gateway-proxy")]
    assert list(gloo_proxy.dependents(SERVICES, service("gateway-proxy", "default"), view)) == []
    assert list(gloo_proxy.dependents(GLOO_VIRTUALSERVICES, gloo_vs("shop"), view)) == [("gloo-system", "gateway-proxy")]
    assert list(gloo_proxy.dependents(GLOO_GATEWAYS, gw, view)) == [("gloo-system", "gateway-proxy")]
    assert list(gloo_proxy.dependents(INGRESSES, ingress("edge", "gloo-system"), view)) == [
        ("gloo-system", "gateway-proxy")]
    assert list(gloo_proxy.dependents(INGRESSES, ingress("edge", "default"), view)) == []


def test_gloo_kinds_are_watched_where_external_dns_reads_them_whatever_namespace_says() -> None:
    from zonekeeper import live
    from zonekeeper.config import Settings

    one = live.kind_namespaces(Settings.of(namespace="apps"))
    assert (one[GLOO_PROXIES], one[GLOO_VIRTUALSERVICES], one[GLOO_GATEWAYS]) == ("gloo-system", None, None)
    several = live.kind_namespaces(Settings.of(namespace="apps", gloo_namespace=("a", "b")))
    assert several[GLOO_PROXIES] is None


# --- registration and shapes --------------------------------------------------------------------


def test_registered_with_external_dns_names_and_watched_kinds() -> None:
    assert sources.SOURCES["contour-httpproxy"].only.watched_kinds == (HTTPPROXIES,)
    assert sources.SOURCES["kong-tcpingress"].only.watched_kinds == (TCPINGRESSES,)
    assert sources.SOURCES["ambassador-host"].only.watched_kinds == (AMBASSADOR_HOSTS, SERVICES)
    assert set(sources.SOURCES["gloo-proxy"].only.watched_kinds) == {
        GLOO_PROXIES, GLOO_VIRTUALSERVICES, GLOO_GATEWAYS, SERVICES, INGRESSES}
    assert resource_of(host()) == AMBASSADOR_HOSTS
    assert resource_of(gloo_vs("x")) == GLOO_VIRTUALSERVICES  # not Istio's VirtualService


def test_slim_objects_keep_what_the_sources_read() -> None:
    h = resources.slim(AMBASSADOR_HOSTS, host(annotations={AMB: "emissary/edge", "unrelated": "x"}))
    assert h["metadata"]["annotations"] == {AMB: "emissary/edge"} and h["spec"] == {"hostname": "site.example.com"}
    svc = service("edge", "emissary", lb=("1.1.1.1",))
    slim_host = resources.slim(AMBASSADOR_HOSTS, host(annotations={AMB: "emissary/edge"}))
    assert records(ambassador_host.endpoints(slim_host, store(svc), CONFIG)) == ["site.example.com A -> 1.1.1.1"]
    px = proxy(hosts=[vh("a.example.com", vs=("apps", "shop"))], gateway=("gloo-system", "gw"),
               aggregate={"httpFilterChains": [{"virtualHostRefs": ["v"]}],
                          "httpResources": {"virtualHosts": {"v": vh("b.example.com")}}},
               annotations=ga(target="1.1.1.1"))
    slim_px = resources.slim(GLOO_PROXIES, px)
    assert records(gloo_proxy.endpoints(slim_px, store(gloo_vs("shop")), CONFIG)) == records(
        run(gloo_proxy, px, gloo_vs("shop")))
    slim_proxy = resources.slim(HTTPPROXIES, httpproxy(fqdn="w.example.com", lb=("1.1.1.1",)))
    assert records(contour_httpproxy.endpoints(slim_proxy, store(), CONFIG)) == ["w.example.com A -> 1.1.1.1"]
    slim_tcp = resources.slim(TCPINGRESSES, tcpingress(hosts=("t.example.com",), lb=("1.1.1.1",)))
    assert records(kong_tcpingress.endpoints(slim_tcp, store(), CONFIG)) == ["t.example.com A -> 1.1.1.1"]
