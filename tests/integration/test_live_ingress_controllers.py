"""The ingress controllers' CRD sources live: contour-httpproxy, kong-tcpingress, ambassador-host and
gloo-proxy against a real kube-apiserver (each project's CRDs installed, tests/support/crds) and the
strict Route 53 endpoint, the controller authenticated with the shipped RBAC.

Each test creates the objects, changes what gives the targets (the object's own load-balancer status,
or the Service it reads), and deletes the object; the event-to-DNS latency of the change is printed
(`-s` shows it) and bounded.
"""

# The live controller tests' fixtures are imported by name, and tests name them as parameters.
# ruff: noqa: F811

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_live_controller import (  # noqa: F401  (fixtures)
    aws_env,
    controller_kubeconfig,
    eventually,
    lb_service,
    records,
    settings_for,
    start,
    stop,
    value_of,
    zone,
)
from tests.support.kube import KubeCluster
from tests.support.route53 import StrictRoute53Server

pytestmark = [pytest.mark.kube, pytest.mark.integration, pytest.mark.timeout(180)]

NLB1 = "k8s-edge-nlb1-0123456789-abcdef0123456789.elb.us-east-1.amazonaws.com"
NLB2 = "k8s-edge-nlb2-9876543210-fedcba9876543210.elb.us-east-1.amazonaws.com"
LATENCY_BOUND = 5.0


@pytest.fixture(autouse=True)
def project_crds(kube_cluster: KubeCluster) -> None:
    kube_cluster.install_project_crds("contour", "kong", "emissary", "gloo")


def _lb(*values: str) -> dict[str, Any]:
    return {"loadBalancer": {"ingress": [{"ip": v} if v[0].isdigit() else {"hostname": v} for v in values]}}


def _delete(cluster: KubeCluster, api_version: str, kind: str, ns: str, name: str) -> None:
    resource = cluster.dynamic.resources.get(api_version=api_version, kind=kind)
    resource.delete(name=name, namespace=ns)


async def _lifecycle(cluster: KubeCluster, route53: StrictRoute53Server, zone_id: str, name: str,
                     change: Callable[[], Any], delete: Callable[[], Any], first: str, second: str,
                     what: str) -> float:
    """Wait for `name` A/alias to point at `first`, `change` the target, measure until it points at
    `second`, then `delete` and wait until the record and its TXT are gone. Returns the latency."""
    await eventually(lambda: value_of(records(route53, zone_id).get((name, "A", ""), {})) == first,
                     what=f"{what}: record created")
    await asyncio.to_thread(change)
    started = time.monotonic()
    await eventually(lambda: value_of(records(route53, zone_id).get((name, "A", ""), {})) == second,
                     what=f"{what}: record follows the new target")
    latency = time.monotonic() - started
    print(f"{what}: target change -> DNS in {latency:.2f}s")
    await asyncio.to_thread(delete)
    await eventually(lambda: not any(k[0].endswith(name) for k in records(route53, zone_id)),
                     what=f"{what}: records deleted")
    assert all(b["Status"] == "accepted" for b in route53.change_batches), route53.errors
    assert latency < LATENCY_BOUND, latency
    return latency


async def test_contour_httpproxy_follows_its_status(kube_cluster: KubeCluster, kube_namespace: str,
                                                    controller_kubeconfig: Path, route53: StrictRoute53Server,
                                                    zone: str) -> None:
    ns, name = kube_namespace, f"{kube_namespace}-web.example.com"

    def proxy(lb: str) -> dict[str, Any]:
        return {"apiVersion": "projectcontour.io/v1", "kind": "HTTPProxy", "metadata": {"name": "web", "namespace": ns},
                "spec": {"virtualhost": {"fqdn": name}, "routes": [{"services": [{"name": "web", "port": 80}]}]},
                "status": _lb(lb)}

    await asyncio.to_thread(kube_cluster.apply, proxy("198.51.100.41"))
    task = await start(settings_for(controller_kubeconfig, route53, ns, sources=("contour-httpproxy",)))
    try:
        await eventually(lambda: records(route53, zone).get((f"a-{name}", "TXT", "")), what="TXT")
        txt = value_of(records(route53, zone)[(f"a-{name}", "TXT", "")])
        assert f"resource=HTTPProxy/{ns}/web" in txt, txt
        await _lifecycle(kube_cluster, route53, zone, name,
                         lambda: kube_cluster.apply(proxy("198.51.100.42")),
                         lambda: _delete(kube_cluster, "projectcontour.io/v1", "HTTPProxy", ns, "web"),
                         "198.51.100.41", "198.51.100.42", "contour-httpproxy")
    finally:
        await stop(task)


async def test_kong_tcpingress_follows_its_status(kube_cluster: KubeCluster, kube_namespace: str,
                                                  controller_kubeconfig: Path, route53: StrictRoute53Server,
                                                  zone: str) -> None:
    ns, name = kube_namespace, f"{kube_namespace}-db.example.com"

    def tcpingress(lb: str) -> dict[str, Any]:
        return {"apiVersion": "configuration.konghq.com/v1beta1", "kind": "TCPIngress",
                "metadata": {"name": "db", "namespace": ns, "annotations": {"kubernetes.io/ingress.class": "kong"}},
                "spec": {"rules": [{"host": name, "port": 9000, "backend": {"serviceName": "db", "servicePort": 5432}}]},
                "status": _lb(lb)}

    await asyncio.to_thread(kube_cluster.apply, tcpingress(NLB1))
    task = await start(settings_for(controller_kubeconfig, route53, ns, sources=("kong-tcpingress",)))
    try:
        await _lifecycle(kube_cluster, route53, zone, name,
                         lambda: kube_cluster.apply(tcpingress(NLB2)),
                         lambda: _delete(kube_cluster, "configuration.konghq.com/v1beta1", "TCPIngress", ns, "db"),
                         NLB1, NLB2, "kong-tcpingress")
    finally:
        await stop(task)


async def test_ambassador_host_follows_its_service(kube_cluster: KubeCluster, kube_namespace: str,
                                                   controller_kubeconfig: Path, route53: StrictRoute53Server,
                                                   zone: str) -> None:
    ns, name = kube_namespace, f"{kube_namespace}-site.example.com"
    host = {"apiVersion": "getambassador.io/v3alpha1", "kind": "Host",
            "metadata": {"name": "site", "namespace": ns,
                         "annotations": {"external-dns.ambassador-service": f"{ns}/emissary"}},
            "spec": {"hostname": name, "acmeProvider": {"authority": "none"}}}
    # A Host naming another Service must not be re-planned by this one's change (dependents).
    await asyncio.to_thread(kube_cluster.apply, [lb_service("emissary", ns, "", lb=NLB1), host])
    task = await start(settings_for(controller_kubeconfig, route53, ns, sources=("ambassador-host",)))
    try:
        await _lifecycle(kube_cluster, route53, zone, name,
                         lambda: kube_cluster.apply(lb_service("emissary", ns, "", lb=NLB2)),
                         lambda: _delete(kube_cluster, "getambassador.io/v3alpha1", "Host", ns, "site"),
                         NLB1, NLB2, "ambassador-host")
    finally:
        await stop(task)


async def test_gloo_proxy_follows_its_service(kube_cluster: KubeCluster, kube_namespace: str,
                                              controller_kubeconfig: Path, route53: StrictRoute53Server,
                                              zone: str) -> None:
    ns, name = kube_namespace, f"{kube_namespace}-shop.example.com"
    virtual_service = {"apiVersion": "gateway.solo.io/v1", "kind": "VirtualService",
                       "metadata": {"name": "shop", "namespace": ns,
                                    "annotations": {"external-dns.alpha.kubernetes.io/ttl": "120"}},
                       "spec": {"virtualHost": {"domains": [name]}}}
    proxy = {"apiVersion": "gloo.solo.io/v1", "kind": "Proxy", "metadata": {"name": "gateway-proxy", "namespace": ns},
             "spec": {"listeners": [{"name": "listener-8080", "bindAddress": "::", "bindPort": 8080,
                                     "httpListener": {"virtualHosts": [{
                                         "name": f"{ns}.shop", "domains": [name],
                                         "metadata": {"sources": [{"kind": "*v1.VirtualService", "name": "shop",
                                                                   "namespace": ns}]}}]}}]}}
    await asyncio.to_thread(kube_cluster.apply, [lb_service("gateway-proxy", ns, "", ip="198.51.100.51"),
                                                 virtual_service, proxy])
    task = await start(settings_for(controller_kubeconfig, route53, ns, sources=("gloo-proxy",),
                                    gloo_namespace=(ns,)))
    try:
        rr = await eventually(lambda: records(route53, zone).get((name, "A", "")), what="gloo record")
        assert rr["TTL"] == 120  # from the VirtualService
        assert "resource=" not in value_of(records(route53, zone)[(f"a-{name}", "TXT", "")])  # as external-dns
        await _lifecycle(kube_cluster, route53, zone, name,
                         lambda: kube_cluster.apply(lb_service("gateway-proxy", ns, "", ip="198.51.100.52")),
                         lambda: _delete(kube_cluster, "gloo.solo.io/v1", "Proxy", ns, "gateway-proxy"),
                         "198.51.100.51", "198.51.100.52", "gloo-proxy")
    finally:
        await stop(task)
