"""The unstructured source live: ConfigMaps named by --unstructured-resource, their kind found through the
real apiserver's discovery; create, re-target, delete."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from tests.integration.test_live_controller import (  # noqa: F401 (fixtures)
    aws_env,
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
from zonekeeper import live
from zonekeeper.config import ConfigError
from zonekeeper.wiring import build

pytestmark = [pytest.mark.kube, pytest.mark.integration, pytest.mark.timeout(180)]

GA = "external-dns.kubernetes.io/"


def config_map(ns: str, name: str, hostname: str, target: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": name, "namespace": ns, "annotations": {GA + "hostname": hostname, GA + "target": target}},
            "data": {"any": "thing"}}


async def test_unstructured_config_maps_are_published_retargeted_and_removed(
        kube_cluster: KubeCluster, kube_namespace: str, route53: StrictRoute53Server,
        zone: str) -> None:  # noqa: F811
    from kubernetes import client

    ns = kube_namespace
    await asyncio.to_thread(kube_cluster.apply, [config_map(ns, "a", "cm-a.example.com", "203.0.113.30"),
                                                config_map(ns, "b", "cm-b.example.com", "203.0.113.32")])

    def published() -> dict[tuple[str, str], str]:
        return {(name, rtype): value_of(rr) for (name, rtype, _), rr in records(route53, zone).items()
                if rtype in ("A", "CNAME")}

    settings = settings_for(kube_cluster.admin_kubeconfig, route53, ns, sources=("unstructured",),
                            unstructured_resource=("configmaps.v1",))
    task = await start(settings)
    try:
        await eventually(lambda: published() == {("cm-a.example.com", "A"): "203.0.113.30",
                                                 ("cm-b.example.com", "A"): "203.0.113.32"},
                         what="ConfigMap records")
        assert f"resource=configmap/{ns}/a" in value_of(records(route53, zone)[("a-cm-a.example.com", "TXT", "")])

        started = time.monotonic()
        await asyncio.to_thread(kube_cluster.apply, config_map(ns, "a", "cm-a.example.com", "203.0.113.31"))
        await eventually(lambda: published().get(("cm-a.example.com", "A")) == "203.0.113.31", what="re-targeted")
        print(f"unstructured: ConfigMap target change -> record: {time.monotonic() - started:.2f}s")

        asked = time.monotonic()
        await asyncio.to_thread(client.CoreV1Api(kube_cluster.admin).delete_namespaced_config_map, "b", ns)
        started = time.monotonic()  # the deletion is done: from here on it is ours
        print(f"unstructured: the DELETE call took {started - asked:.2f}s")
        await eventually(lambda: ("cm-b.example.com", "A") not in published(), what="record deleted")
        print(f"unstructured: ConfigMap deleted -> record gone: {time.monotonic() - started:.2f}s")
    finally:
        await stop(task)


async def test_a_resource_the_apiserver_does_not_serve_stops_the_start(
        kube_cluster: KubeCluster, kube_namespace: str, route53: StrictRoute53Server) -> None:
    settings = settings_for(kube_cluster.admin_kubeconfig, route53, kube_namespace, sources=("unstructured",),
                            unstructured_resource=("widgets.v1.example.com",))
    with pytest.raises(ConfigError, match=r"--unstructured-resource widgets\.v1\.example\.com: cannot discover"):
        await live.serve(settings, build(settings), once=True)
