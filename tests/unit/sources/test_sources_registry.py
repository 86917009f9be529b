from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from sourcekit import dns_endpoint, ga, ingress, istio_gateway, service, store

from zonekeeper.sources import SOURCES, SourceSpec, collect, run_one, watched_kinds
from zonekeeper.sources.base import SourceConfig, SourceResult, register
from zonekeeper.sources.objects import (
    AMBASSADOR_HOSTS,
    DNSENDPOINTS,
    ENDPOINTSLICES,
    F5_TRANSPORTSERVERS,
    F5_VIRTUALSERVERS,
    GATEWAYS,
    GLOO_GATEWAYS,
    GLOO_PROXIES,
    GLOO_VIRTUALSERVICES,
    GRPCROUTES,
    HTTPPROXIES,
    HTTPROUTES,
    INGRESSES,
    ISTIO_GATEWAYS,
    ISTIO_VIRTUALSERVICES,
    LISTENERSETS,
    NAMESPACES,
    NODES,
    OPENSHIFT_ROUTES,
    PODS,
    ROUTEGROUPS,
    SERVICES,
    TCPINGRESSES,
    TCPROUTES,
    TLSROUTES,
    UDPROUTES,
    Obj,
    ObjectStore,
    ObjectView,
    resource_label,
)

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "cluster.yaml"
CONFIG = SourceConfig()


def test_registry_names_kinds_and_watches() -> None:
    assert {name: (spec.kind, spec.watched_kinds) for name, spec in SOURCES.items()} == {
        "service": (SERVICES, (SERVICES, NODES, PODS, ENDPOINTSLICES)),
        "ingress": (INGRESSES, (INGRESSES,)),
        "istio-gateway": (ISTIO_GATEWAYS, (ISTIO_GATEWAYS, SERVICES, INGRESSES)),
        "istio-virtualservice": (
            ISTIO_VIRTUALSERVICES,
            (ISTIO_VIRTUALSERVICES, ISTIO_GATEWAYS, SERVICES, INGRESSES),
        ),
        "crd": (DNSENDPOINTS, (DNSENDPOINTS,)),
        "gateway-httproute": (HTTPROUTES, (HTTPROUTES, GATEWAYS, NAMESPACES, LISTENERSETS)),
        "gateway-grpcroute": (GRPCROUTES, (GRPCROUTES, GATEWAYS, NAMESPACES, LISTENERSETS)),
        "gateway-tlsroute": (TLSROUTES, (TLSROUTES, GATEWAYS, NAMESPACES, LISTENERSETS)),
        "gateway-tcproute": (TCPROUTES, (TCPROUTES, GATEWAYS, NAMESPACES, LISTENERSETS)),
        "gateway-udproute": (UDPROUTES, (UDPROUTES, GATEWAYS, NAMESPACES, LISTENERSETS)),
        "node": (NODES, (NODES,)),
        "pod": (PODS, (PODS, NODES)),
        "contour-httpproxy": (HTTPPROXIES, (HTTPPROXIES,)),
        "kong-tcpingress": (TCPINGRESSES, (TCPINGRESSES,)),
        "ambassador-host": (AMBASSADOR_HOSTS, (AMBASSADOR_HOSTS, SERVICES)),
        "gloo-proxy": (GLOO_PROXIES, (GLOO_PROXIES, GLOO_VIRTUALSERVICES, GLOO_GATEWAYS, SERVICES, INGRESSES)),
        "f5-virtualserver": (F5_VIRTUALSERVERS, (F5_VIRTUALSERVERS,)),
        "f5-transportserver": (F5_TRANSPORTSERVERS, (F5_TRANSPORTSERVERS,)),
        "skipper-routegroup": (ROUTEGROUPS, (ROUTEGROUPS,)),
        "openshift-route": (OPENSHIFT_ROUTES, (OPENSHIFT_ROUTES,)),
    }
    for spec in SOURCES.values():
        assert spec.kind in spec.watched_kinds


def test_watched_kinds_union() -> None:
    assert watched_kinds(["ingress", "istio-gateway"]) == tuple(sorted({INGRESSES, ISTIO_GATEWAYS, SERVICES}))


def test_every_source_reports_its_primary_object_as_its_own_dependent() -> None:
    objects = {
        "service": service("s", "ns"),
        "ingress": ingress("i", "ns"),
        "istio-gateway": istio_gateway("g", "ns"),
        "istio-virtualservice": {
            "apiVersion": "networking.istio.io/v1",
            "kind": "VirtualService",
            "metadata": {"name": "v", "namespace": "ns"},
        },
        "crd": dns_endpoint("d", "ns"),
        "gateway-httproute": {
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "HTTPRoute",
            "metadata": {"name": "r", "namespace": "ns"},
        },
        **{
            f"gateway-{kind.lower()}": {
                "apiVersion": f"gateway.networking.k8s.io/{version}",
                "kind": kind,
                "metadata": {"name": "r", "namespace": "ns"},
            }
            for kind, version in (("GRPCRoute", "v1"), ("TLSRoute", "v1"), ("TCPRoute", "v1alpha2"),
                                  ("UDPRoute", "v1alpha2"))
        },
    }
    objects["node"] = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "n"}}
    objects["pod"] = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "ns"}}
    for name, api_version, kind in (("contour-httpproxy", "projectcontour.io/v1", "HTTPProxy"),
                                    ("kong-tcpingress", "configuration.konghq.com/v1beta1", "TCPIngress"),
                                    ("ambassador-host", "getambassador.io/v3alpha1", "Host"),
                                    ("gloo-proxy", "gloo.solo.io/v1", "Proxy"),
                                    ("f5-virtualserver", "cis.f5.com/v1", "VirtualServer"),
                                    ("f5-transportserver", "cis.f5.com/v1", "TransportServer"),
                                    ("skipper-routegroup", "zalando.org/v1", "RouteGroup"),
                                    ("openshift-route", "route.openshift.io/v1", "Route")):
        objects[name] = {"apiVersion": api_version, "kind": kind, "metadata": {"name": "x", "namespace": "ns"}}
    for name, spec in SOURCES.items():
        obj = objects[name]
        namespace = obj["metadata"].get("namespace", "")
        assert list(spec.dependents(spec.kind, obj, store(obj))) == [(namespace, obj["metadata"]["name"])]


def test_collect_is_sorted_by_resource_and_deduplicates_problems() -> None:
    objs = [
        service("zeta", annotations=ga(hostname="z.example.com"), lb=("1.1.1.1",)),
        service("alpha", annotations=ga(hostname="a.example.com,b.example.com"), lb=("2.2.2.2",)),
        ingress("mid", hosts=("m.example.com",), lb=("3.3.3.3",)),
        istio_gateway("g", hosts=("g.example.com",), annotations=ga(ingress="missing")),
        {
            "apiVersion": "networking.istio.io/v1",
            "kind": "VirtualService",
            "metadata": {"name": "v", "namespace": "default"},
            "spec": {"hosts": ["g.example.com"], "gateways": ["istio-system/g"]},
        },
    ]
    forward = collect(ObjectStore(objs), list(SOURCES), CONFIG)
    backward = collect(ObjectStore(reversed(objs)), list(reversed(list(SOURCES))), CONFIG)
    assert forward == backward
    assert [e.resource for e in forward.endpoints] == [
        "ingress/default/mid",
        "service/default/alpha",
        "service/default/alpha",
        "service/default/zeta",
    ]
    assert [e.name for e in forward.endpoints][1:3] == ["a.example.com", "b.example.com"]
    # Seen by both Istio sources, reported once.
    assert [(p.subject, p.reason) for p in forward.problems] == [
        ("gateway/istio-system/g", "ReferenceNotFound")
    ]


def test_collect_only_runs_enabled_sources() -> None:
    objs = [
        service(annotations=ga(hostname="s.example.com"), lb=("1.1.1.1",)),
        ingress(hosts=("i.example.com",), lb=("2.2.2.2",)),
    ]
    result = collect(ObjectStore(objs), ["ingress"], CONFIG)
    assert [e.name for e in result.endpoints] == ["i.example.com"]


def test_collect_rejects_unknown_sources() -> None:
    with pytest.raises(ValueError, match="no-such-source"):
        collect(ObjectStore(), ["service", "no-such-source"], CONFIG)


def test_a_crashing_source_becomes_a_problem() -> None:
    def boom(obj: Obj, view: ObjectView, config: SourceConfig) -> SourceResult:
        raise RuntimeError("kaput")

    spec = SourceSpec("service", SERVICES, boom, (SERVICES,), lambda k, o, v: [], "service")
    result = run_one(spec, service("s", "ns"), store(), CONFIG)
    assert result.endpoints == []
    assert [(p.subject, p.reason) for p in result.problems] == [("service/ns/s", "SourceError")]
    assert "kaput" in result.problems[0].message


def test_sources_survive_malformed_objects() -> None:
    weird: list[dict[str, Any]] = [
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {
                "name": "w",
                "namespace": "d",
                "annotations": {"external-dns.kubernetes.io/hostname": "w.example.com"},
            },
            "spec": "oops",
            "status": 3,
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": {"name": "w", "namespace": "d"},
            "spec": {"rules": "x", "tls": [None, {"hosts": None}]},
        },
        {
            "apiVersion": "networking.istio.io/v1",
            "kind": "Gateway",
            "metadata": {"name": "w", "namespace": "d"},
            "spec": {"servers": [None, {"hosts": [None, 5]}], "selector": "x"},
        },
        {
            "apiVersion": "networking.istio.io/v1",
            "kind": "VirtualService",
            "metadata": {"name": "w", "namespace": "d"},
            "spec": {"hosts": {"a": 1}, "gateways": [None]},
        },
        {
            "apiVersion": "externaldns.k8s.io/v1alpha1",
            "kind": "DNSEndpoint",
            "metadata": {"name": "w", "namespace": "d"},
            "spec": {"endpoints": [{"dnsName": 5, "targets": "1.2.3.4"}]},
        },
        {
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "HTTPRoute",
            "metadata": {"name": "w", "namespace": "d"},
            "spec": {"hostnames": [None], "parentRefs": [None, {"name": "g", "port": "x"}]},
        },
        {
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "Gateway",
            "metadata": {"name": "g", "namespace": "d"},
            "spec": {"listeners": [None, "x"]},
            "status": {"addresses": None},
        },
    ]
    result = collect(ObjectStore(weird), list(SOURCES), CONFIG)
    assert "SourceError" not in {p.reason for p in result.problems}
    assert result.endpoints == []


# --- the README demo manifests ------------------------------------------------------------------


def load_examples() -> ObjectStore:
    with EXAMPLES.open() as handle:
        return ObjectStore(doc for doc in yaml.safe_load_all(handle) if doc)


def test_examples_produce_the_demo_records() -> None:
    result = collect(load_examples(), list(SOURCES), CONFIG)
    got = sorted((e.resource, str(e), e.ttl) for e in result.endpoints)
    nlb_web = "k8s-default-web-0123456789-abcdef0123456789.elb.us-east-1.amazonaws.com"
    alb = "k8s-shop-1234567890.us-east-1.elb.amazonaws.com"
    istio = "k8s-istiosys-istioing-0a1b2c3d4e-0123456789abcdef.elb.us-east-1.amazonaws.com"
    blue = "k8s-checkout-blue-1111111111-1111111111111111.elb.us-east-1.amazonaws.com"
    green = "k8s-checkout-green-2222222222-2222222222222222.elb.us-east-1.amazonaws.com"
    assert got == [
        ("crd/default/static-records", "example.com TXT -> google-site-verification=0123456789abcdef", 0),
        ("crd/default/static-records", "static.example.com A -> 192.0.2.10", 300),
        ("gateway/bookinfo/bookinfo-gateway", f"bookinfo.example.com CNAME -> {istio}", 0),
        ("ingress/shop/shop", f"example.com CNAME -> {alb}", 0),
        ("service/checkout/checkout-blue", f"checkout.example.com CNAME [blue] -> {blue}", 0),
        ("service/checkout/checkout-green", f"checkout.example.com CNAME [green] -> {green}", 0),
        ("service/default/api", "api.example.com A -> 198.51.100.7", 60),
        ("service/default/web", f"web.example.com CNAME -> {nlb_web}", 0),
        ("virtualservice/bookinfo/bookinfo", f"bookinfo.example.com CNAME -> {istio}", 0),
    ]
    weights = {e.set_identifier: e.prop("aws/weight") for e in result.endpoints if e.set_identifier}
    assert weights == {"blue": "90", "green": "10"}
    assert [(p.subject, p.reason) for p in result.problems] == [("service/default/broken", "InvalidHostname")]
    assert "broken..example.com" in result.problems[0].message


def _spec(name: str, kind: str = SERVICES, label_kind: str = "service",
          watched: tuple[str, ...] | None = None) -> SourceSpec:
    return SourceSpec(name, kind, lambda o, v, c: SourceResult(), watched or (kind,), lambda k, o, v: [], label_kind)


def test_a_spec_must_watch_its_primary_kind_and_name_its_label_kind() -> None:
    with pytest.raises(ValueError, match="must be watched"):
        _spec("service", watched=(NODES,))
    with pytest.raises(ValueError, match="label kind"):
        _spec("service", label_kind="")
    with pytest.raises(ValueError, match="label kind"):
        _spec("service", label_kind="a/b")


def test_register_refuses_a_name_twice_and_a_label_kind_for_two_resources() -> None:
    with pytest.raises(ValueError, match="registered twice"):
        register(_spec("service"), _spec("service"))
    with pytest.raises(ValueError, match="names both"):
        register(_spec("service"), _spec("ingress", INGRESSES, "service"))
    # One label kind for two sources of the same resource is fine.
    assert list(register(_spec("a"), _spec("b"))) == ["a", "b"]


def test_every_registered_label_kind_names_its_object_in_events() -> None:
    from zonekeeper.kube.objectref import ObjectRef
    from zonekeeper.kube.resources import RESOURCES

    for spec in SOURCES.values():
        namespace = "ns" if RESOURCES[spec.kind].namespaced else ""  # a Node: `node/x`
        ref = ObjectRef.from_resource_label(resource_label(spec.label_kind, namespace, "x"))
        assert ref is not None
        assert (ref.api_version, ref.kind, ref.namespace, ref.name) == (
            RESOURCES[spec.kind].api_version, RESOURCES[spec.kind].kind, namespace, "x")
