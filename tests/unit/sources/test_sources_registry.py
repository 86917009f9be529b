from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from sourcekit import dns_endpoint, ga, ingress, istio_gateway, service, store

from zonekeeper.sources import (
    LABEL_KINDS,
    NAMES,
    SOURCES,
    Source,
    SourceSpec,
    collect,
    primary_kinds,
    run_one,
    specs_for,
    watched_kinds,
)
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
# The sources that read objects (fake draws random records of its own: tests/unit/sources/test_sources_fake.py).
OBJECT_SOURCES = [name for name in SOURCES if name != "fake"]
# Every part of every source runs.
ALL_PARTS = SourceConfig(traefik_enable_legacy=True)


def test_registry_names_kinds_and_watches() -> None:
    assert {spec.id: (spec.kind, spec.watched_kinds) for spec in specs_for(NAMES, ALL_PARTS)} == {
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
        **{f"traefik-proxy:{prefix}{plural[:-1]}": (f"{plural}.{group}", (f"{plural}.{group}",))
           for prefix, group in (("", "traefik.io"), ("legacy-", "traefik.containo.us"))
           for plural in ("ingressroutes", "ingressroutetcps", "ingressrouteudps")},
    }
    for spec in specs_for(NAMES, ALL_PARTS):
        assert spec.kind in spec.watched_kinds


def test_watched_kinds_union() -> None:
    assert watched_kinds(["ingress", "istio-gateway"], CONFIG) == tuple(sorted({INGRESSES, ISTIO_GATEWAYS, SERVICES}))
    assert primary_kinds(["ingress", "istio-gateway"], CONFIG) == {INGRESSES, ISTIO_GATEWAYS}


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
    for (group, version), prefix in ((("traefik.io", "v1alpha1"), ""), (("traefik.containo.us", "v1alpha1"), "legacy-")):
        for kind in ("IngressRoute", "IngressRouteTCP", "IngressRouteUDP"):
            objects[f"traefik-proxy:{prefix}{kind.lower()}"] = {
                "apiVersion": f"{group}/{version}", "kind": kind, "metadata": {"name": "t", "namespace": "ns"}}
    for spec in specs_for(NAMES, ALL_PARTS):
        obj = objects[spec.id]
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
    forward = collect(ObjectStore(objs), OBJECT_SOURCES, CONFIG)
    backward = collect(ObjectStore(reversed(objs)), list(reversed(OBJECT_SOURCES)), CONFIG)
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
    result = collect(ObjectStore(weird), OBJECT_SOURCES, CONFIG)
    assert "SourceError" not in {p.reason for p in result.problems}
    assert result.endpoints == []


# --- the README demo manifests ------------------------------------------------------------------


def load_examples() -> ObjectStore:
    with EXAMPLES.open() as handle:
        return ObjectStore(doc for doc in yaml.safe_load_all(handle) if doc)


def test_examples_produce_the_demo_records() -> None:
    result = collect(load_examples(), OBJECT_SOURCES, CONFIG)
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

    for spec in specs_for(NAMES, CONFIG):  # the traefik.io parts: the group an Event names by default
        namespace = "ns" if RESOURCES[spec.kind].namespaced else ""  # a Node: `node/x`
        ref = ObjectRef.from_resource_label(resource_label(spec.label_kind, namespace, "x"))
        assert ref is not None
        assert (ref.api_version, ref.kind, ref.namespace, ref.name) == (
            RESOURCES[spec.kind].api_version, RESOURCES[spec.kind].kind, namespace, "x")


# -- sources of several primary kinds ---------------------------------------------------------------


def _legacy(config: SourceConfig) -> bool:
    return config.publish_host_ip  # any flag will do to switch a part on


def _parts(name: str = "multi") -> Source:
    return Source(name, (
        _part(name, "ingresses", INGRESSES, "ingress"),
        SourceSpec(name, ISTIO_GATEWAYS, lambda o, v, c: SourceResult(), (ISTIO_GATEWAYS,), lambda k, o, v: [],
                   "ingress", part="gateways", enabled=_legacy),
    ))


def _part(name: str, part: str, kind: str, label_kind: str) -> SourceSpec:
    return SourceSpec(name, kind, lambda o, v, c: SourceResult(), (kind,), lambda k, o, v: [], label_kind, part=part)


def test_a_source_of_several_kinds_runs_the_parts_its_flags_enable() -> None:
    source = _parts()
    assert [s.id for s in source.specs(CONFIG)] == ["multi:ingresses"]
    assert [s.id for s in source.specs(SourceConfig(publish_host_ip=True))] == ["multi:ingresses", "multi:gateways"]
    with pytest.raises(ValueError, match="has 2 parts"):
        _ = source.only


def test_parts_are_named_uniquely_and_belong_to_their_source() -> None:
    with pytest.raises(ValueError, match="declared twice"):
        Source("multi", (_part("multi", "a", INGRESSES, "ingress"), _part("multi", "a", SERVICES, "service")))
    with pytest.raises(ValueError, match="needs a part name"):
        Source("multi", (_part("multi", "", INGRESSES, "ingress"), _part("multi", "b", SERVICES, "service")))
    with pytest.raises(ValueError, match="another source"):
        Source("multi", (_part("other", "a", INGRESSES, "ingress"),))
    with pytest.raises(ValueError, match="must not contain"):
        _part("multi", "a:b", INGRESSES, "ingress")


def test_one_source_s_parts_may_share_a_label_kind_across_resources_but_two_sources_may_not() -> None:
    registry = register(_parts())
    assert [s.id for s in registry["multi"].specs(SourceConfig(publish_host_ip=True))] == [
        "multi:ingresses", "multi:gateways"]
    with pytest.raises(ValueError, match="names both"):
        register(_spec("ingress", INGRESSES, "ingress"), _spec("gw", ISTIO_GATEWAYS, "ingress"))


def test_parts_built_from_flags_come_after_the_declared_ones() -> None:
    def expand(config: SourceConfig) -> tuple[SourceSpec, ...]:
        return tuple(_part("dyn", kind, kind, kind.partition(".")[0]) for kind in config.ingress_classes)

    source = Source("dyn", (), expand)
    assert source.specs(CONFIG) == ()
    assert [s.kind for s in source.specs(SourceConfig(ingress_classes=(SERVICES, NODES)))] == [SERVICES, NODES]
    with pytest.raises(ValueError, match="built part"):
        Source("dyn", (), lambda c: (_spec("dyn"),)).specs(CONFIG)


def test_specs_for_refuses_unknown_names_and_runs_each_source_once() -> None:
    with pytest.raises(ValueError, match=r"unknown source.*no-such-source.*known: service"):
        specs_for(["service", "no-such-source"], CONFIG)
    assert [s.id for s in specs_for(["ingress", "service", "ingress"], CONFIG)] == ["ingress", "service"]


def test_label_kinds_name_the_resources_of_every_declared_part() -> None:
    assert LABEL_KINDS["service"] == (SERVICES,)
    assert set(LABEL_KINDS) == {p.label_kind for s in SOURCES.values() for p in s.parts}
