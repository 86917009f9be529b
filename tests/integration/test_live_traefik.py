"""The traefik-proxy source live: Traefik's CRDs (tests/support/crds/traefik) in the real apiserver, the
controller running with the shipped RBAC of deploy/manifests/zonekeeper-all-sources.yaml."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_live_controller import (  # noqa: F401 (fixtures)
    aws_env,
    controller_kubeconfig,
    eventually,
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

GA = "external-dns.kubernetes.io/"


def traefik_route(kind: str, ns: str, name: str, target: str, match: str = "",
                  hostname: str = "") -> dict[str, Any]:
    annotations = {GA + "target": target} | ({GA + "hostname": hostname} if hostname else {})
    body: dict[str, Any] = {"apiVersion": "traefik.io/v1alpha1", "kind": kind,
                            "metadata": {"name": name, "namespace": ns, "annotations": annotations}}
    service = {"name": "backend", "port": 80}
    if kind == "IngressRoute":
        body["spec"] = {"routes": [{"match": match, "kind": "Rule", "services": [service]}]}
    elif kind == "IngressRouteTCP":
        body["spec"] = {"routes": [{"match": match, "services": [service]}]}
    else:
        body["spec"] = {"routes": [{"services": [service]}]}
    return body


async def test_traefik_routes_are_published_retargeted_and_removed(
        kube_cluster: KubeCluster, kube_namespace: str, controller_kubeconfig: Path,  # noqa: F811
        route53: StrictRoute53Server, zone: str) -> None:  # noqa: F811
    from kubernetes import client

    ns = kube_namespace
    await asyncio.to_thread(kube_cluster.apply, [
        traefik_route("IngressRoute", ns, "web", "203.0.113.10", "Host(`web.example.com`) || Host(`www.example.com`)"),
        traefik_route("IngressRouteTCP", ns, "db", "203.0.113.11", "HostSNI(`db.example.com`)"),
        traefik_route("IngressRouteUDP", ns, "dns", "203.0.113.12", hostname="udp.example.com"),
    ])

    def addresses() -> dict[str, str]:
        return {name: value_of(rr) for (name, rtype, _), rr in records(route53, zone).items() if rtype == "A"}

    want = {"web.example.com": "203.0.113.10", "www.example.com": "203.0.113.10", "db.example.com": "203.0.113.11",
            "udp.example.com": "203.0.113.12"}
    task = await start(settings_for(controller_kubeconfig, route53, ns, sources=("traefik-proxy",)))
    try:
        await eventually(lambda: addresses() == want, what="traefik records")
        got = records(route53, zone)
        assert f"resource=ingressroute/{ns}/web" in value_of(got[("a-web.example.com", "TXT", "")])
        assert f"resource=ingressroutetcp/{ns}/db" in value_of(got[("a-db.example.com", "TXT", "")])
        assert f"resource=ingressrouteudp/{ns}/dns" in value_of(got[("a-udp.example.com", "TXT", "")])

        started = time.monotonic()
        await asyncio.to_thread(kube_cluster.apply, traefik_route(
            "IngressRoute", ns, "web", "203.0.113.20", "Host(`web.example.com`) || Host(`www.example.com`)"))
        await eventually(lambda: addresses() == want | {"web.example.com": "203.0.113.20",
                                                        "www.example.com": "203.0.113.20"}, what="re-targeted")
        latency = time.monotonic() - started
        assert latency < 5.0, latency
        print(f"traefik-proxy: IngressRoute target change -> 2 records: {latency:.2f}s")

        started = time.monotonic()
        await asyncio.to_thread(client.CustomObjectsApi(kube_cluster.admin).delete_namespaced_custom_object,
                                "traefik.io", "v1alpha1", ns, "ingressroutetcps", "db")
        await eventually(lambda: "db.example.com" not in addresses(), what="IngressRouteTCP record deleted")
        print(f"traefik-proxy: IngressRouteTCP deleted -> record gone: {time.monotonic() - started:.2f}s")
        assert ("a-db.example.com", "TXT", "") not in records(route53, zone)
        assert set(addresses()) == {"web.example.com", "www.example.com", "udp.example.com"}
    finally:
        await stop(task)
