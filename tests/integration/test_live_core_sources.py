"""Event-to-DNS latency of every Kubernetes-native source, on the real kube-apiserver and the strict
Route 53 endpoint, as the shipped RBAC's ServiceAccount.

One case per source, each in the same three steps: the object is created (its record appears), the
address the source reads for its targets changes (on the object itself, or on what it depends on: the
Istio ingress gateway's Service, the Gateway API Gateway, the Node), and the object is deleted (its
records and TXT go). Each step's time from the apiserver write to the record in Route 53 is printed,
one line per source, for the issue's per-source table. The ingress-controller sources have their own
module (test_live_project_sources.py, test_live_ingress_controllers.py, test_live_traefik.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_live_controller import (
    HOSTNAME,
    _node,
    _route,
    _route_gateway,
    aws_env,  # noqa: F401  (fixture)
    controller_kubeconfig,  # noqa: F401  (fixture)
    eventually,
    lb_service,
    records,
    settings_for,
    start,
    stop,
    value_of,
    zone,  # noqa: F401  (fixture)
)
from tests.support.kube import KubeCluster
from tests.support.route53 import StrictRoute53Server

pytestmark = [pytest.mark.kube, pytest.mark.integration, pytest.mark.timeout(180)]

Objects = Callable[[str], list[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class Case:
    """What one source reads, at the first address and at the second."""

    host: str
    before: Objects  # applied before the controller starts: what the object depends on
    create: Objects  # the object itself (at the first address)
    change: Objects  # what moves the record to the second address
    delete: tuple[str, str, str]  # apiVersion, kind, name of the object deleted at the end
    first: str = "192.0.2.1"
    second: str = "192.0.2.2"
    extra: dict[str, Any] = field(default_factory=dict)  # settings beyond sources=(source,)


def _none(ns: str) -> list[dict[str, Any]]:
    return []


def _ingress(ns: str, ip: str) -> dict[str, Any]:
    return {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
            "metadata": {"name": "shop", "namespace": ns},
            "spec": {"rules": [{"host": "shop.example.com", "http": {"paths": [{
                "path": "/", "pathType": "Prefix",
                "backend": {"service": {"name": "shop", "port": {"number": 80}}}}]}}]},
            "status": {"loadBalancer": {"ingress": [{"ip": ip}]}}}


def _istio_service(ns: str, ip: str) -> dict[str, Any]:
    return lb_service("istio-ingressgateway", ns, "", ip=ip, selector={"istio": "ingressgateway"})


def _istio_gateway(ns: str) -> dict[str, Any]:
    return {"apiVersion": "networking.istio.io/v1", "kind": "Gateway",
            "metadata": {"name": "bookinfo", "namespace": ns},
            "spec": {"selector": {"istio": "ingressgateway"},
                     "servers": [{"port": {"number": 80, "name": "http", "protocol": "HTTP"},
                                  "hosts": ["bookinfo.example.com", "reviews.example.com"]}]}}


def _virtual_service(ns: str) -> dict[str, Any]:
    return {"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
            "metadata": {"name": "reviews", "namespace": ns},
            "spec": {"hosts": ["reviews.example.com"], "gateways": ["bookinfo"], "http": [{"route": []}]}}


def _dns_endpoint(ns: str, ip: str) -> dict[str, Any]:
    return {"apiVersion": "externaldns.k8s.io/v1alpha1", "kind": "DNSEndpoint",
            "metadata": {"name": "static", "namespace": ns},
            "spec": {"endpoints": [{"dnsName": "static.example.com", "recordType": "A", "targets": [ip]}]}}


def _http_route(ns: str) -> dict[str, Any]:
    return {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
            "metadata": {"name": "api", "namespace": ns},
            "spec": {"parentRefs": [{"name": "edge", "sectionName": "grpc"}], "hostnames": ["api.example.com"]}}


def _host_network_pod(ns: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "agent", "namespace": ns, "annotations": {HOSTNAME: "agent.example.com"}},
            "spec": {"containers": [{"name": "agent", "image": "agent"}], "nodeName": f"{ns}-w1",
                     "hostNetwork": True},
            "status": {"podIP": "10.0.0.31", "podIPs": [{"ip": "10.0.0.31"}]}}


def _route_case(kind: str, version: str, section: str, port: int, host: str) -> Case:
    hostnames = {"hostnames": [host]} if kind in ("GRPCRoute", "TLSRoute") else {"annotations": {HOSTNAME: host}}
    return Case(host, lambda ns: [_route_gateway(ns, "203.0.113.5")],
                lambda ns: [_route(kind, ns, section, port, **hostnames)],  # type: ignore[arg-type]
                lambda ns: [_route_gateway(ns, "203.0.113.6")],
                (f"gateway.networking.k8s.io/{version}", kind, section), "203.0.113.5", "203.0.113.6")


CASES: dict[str, Case] = {
    "service": Case("web.example.com", _none,
                    lambda ns: [lb_service("web", ns, "web.example.com", ip="192.0.2.1")],
                    lambda ns: [lb_service("web", ns, "web.example.com", ip="192.0.2.2")],
                    ("v1", "Service", "web")),
    "ingress": Case("shop.example.com", _none, lambda ns: [_ingress(ns, "192.0.2.1")],
                    lambda ns: [_ingress(ns, "192.0.2.2")], ("networking.k8s.io/v1", "Ingress", "shop")),
    "istio-gateway": Case("bookinfo.example.com", lambda ns: [_istio_service(ns, "192.0.2.1")],
                          lambda ns: [_istio_gateway(ns)], lambda ns: [_istio_service(ns, "192.0.2.2")],
                          ("networking.istio.io/v1", "Gateway", "bookinfo")),
    "istio-virtualservice": Case("reviews.example.com",
                                 lambda ns: [_istio_service(ns, "192.0.2.1"), _istio_gateway(ns)],
                                 lambda ns: [_virtual_service(ns)], lambda ns: [_istio_service(ns, "192.0.2.2")],
                                 ("networking.istio.io/v1", "VirtualService", "reviews")),
    "crd": Case("static.example.com", _none, lambda ns: [_dns_endpoint(ns, "192.0.2.1")],
                lambda ns: [_dns_endpoint(ns, "192.0.2.2")], ("externaldns.k8s.io/v1alpha1", "DNSEndpoint", "static")),
    "gateway-httproute": Case("api.example.com", lambda ns: [_route_gateway(ns, "203.0.113.5")],
                              lambda ns: [_http_route(ns)], lambda ns: [_route_gateway(ns, "203.0.113.6")],
                              ("gateway.networking.k8s.io/v1", "HTTPRoute", "api"), "203.0.113.5", "203.0.113.6"),
    "gateway-grpcroute": _route_case("GRPCRoute", "v1", "grpc", 50051, "grpc.example.com"),
    "gateway-tlsroute": _route_case("TLSRoute", "v1", "tls", 443, "tls.example.com"),
    "gateway-tcproute": _route_case("TCPRoute", "v1alpha2", "tcp", 5432, "tcp.example.com"),
    "gateway-udproute": _route_case("UDPRoute", "v1alpha2", "udp", 53, "udp.example.com"),
    # The node's own name is its record: the namespace makes it unique among the session's Nodes.
    "node": Case("", _none, lambda ns: [_node(f"{ns}-w1.example.com", "198.51.100.31")],
                 lambda ns: [_node(f"{ns}-w1.example.com", "198.51.100.32")], ("v1", "Node", "{ns}-w1.example.com"),
                 "198.51.100.31", "198.51.100.32"),
    "pod": Case("agent.example.com", lambda ns: [_node(f"{ns}-w1", "198.51.100.31")],
                lambda ns: [_host_network_pod(ns)], lambda ns: [_node(f"{ns}-w1", "198.51.100.32")],
                ("v1", "Pod", "agent"), "198.51.100.31", "198.51.100.32"),
}


def _delete(cluster: KubeCluster, api_version: str, kind: str, ns: str, name: str) -> None:
    resource = cluster.dynamic.resources.get(api_version=api_version, kind=kind)
    options = {"grace_period_seconds": 0} if kind == "Pod" else {}
    resource.delete(name=name, namespace=ns if resource.namespaced else None, **options)


def _delete_nodes(cluster: KubeCluster, ns: str) -> None:
    from kubernetes import client

    for name in (f"{ns}-w1", f"{ns}-w1.example.com"):
        with contextlib.suppress(client.ApiException):
            client.CoreV1Api(cluster.admin).delete_node(name)


@pytest.mark.parametrize("source", list(CASES))
async def test_the_record_follows_the_object(source: str, kube_cluster: KubeCluster, kube_namespace: str,
                                             controller_kubeconfig: Path,  # noqa: F811
                                             route53: StrictRoute53Server, zone: str) -> None:  # noqa: F811
    ns, case = kube_namespace, CASES[source]
    host = case.host or f"{ns}-w1.example.com"
    api_version, kind, name = case.delete

    def value() -> str:
        return value_of(records(route53, zone).get((host, "A", ""), {}))

    async def timed(write: Callable[[], Any], reached: Callable[[], bool], what: str) -> float:
        await asyncio.to_thread(write)
        started = time.monotonic()
        await eventually(reached, what=f"{source}: {what}")
        return time.monotonic() - started

    await asyncio.to_thread(kube_cluster.apply, case.before(ns))
    task = await start(settings_for(controller_kubeconfig, route53, ns, sources=(source,), **case.extra))
    try:
        await asyncio.sleep(0.5)  # the watch is up: the creation is an event, not the first list
        created = await timed(lambda: kube_cluster.apply(case.create(ns)), lambda: value() == case.first,
                              "record created")
        assert ("a-" + host, "TXT", "") in records(route53, zone)
        moved = await timed(lambda: kube_cluster.apply(case.change(ns)), lambda: value() == case.second,
                            "record follows the new address")
        deleted = await timed(lambda: _delete(kube_cluster, api_version, kind, ns, name.format(ns=ns)),
                              lambda: not any(k[0].endswith(host) for k in records(route53, zone)),
                              "records deleted")
        print(f"\n[latency] {source}: event -> DNS: create {created:.2f}s, address change {moved:.2f}s, "
              f"delete {deleted:.2f}s")
        assert max(created, moved, deleted) < 5.0, (created, moved, deleted)
        assert all(b["Status"] == "accepted" for b in route53.change_batches), route53.errors
    finally:
        await stop(task)
        await asyncio.to_thread(_delete_nodes, kube_cluster, ns)
