"""--server against a real kube-apiserver: it replaces the kubeconfig's server URL and keeps the
kubeconfig's credentials and CA (client-go's BuildConfigFromFlags, as external-dns uses it)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.support.kube import KubeCluster
from zonekeeper.kube import resources
from zonekeeper.kube.client import KubeClient, KubeError
from zonekeeper.sources import objects as kinds

pytestmark = [pytest.mark.kube, pytest.mark.integration]

SERVICES = resources.RESOURCES[kinds.SERVICES]
DEAD = "https://127.0.0.1:9"  # the discard port: nothing answers there


def _pointing_elsewhere(kube_cluster: KubeCluster, tmp_path: Path) -> Path:
    config = yaml.safe_load(kube_cluster.admin_kubeconfig.read_text())
    for cluster in config["clusters"]:
        cluster["cluster"]["server"] = DEAD
    path = tmp_path / "kubeconfig"
    path.write_text(yaml.safe_dump(config))
    return path


async def test_server_replaces_the_kubeconfig_s_url_keeping_its_credentials(
        kube_cluster: KubeCluster, kube_namespace: str, tmp_path: Path) -> None:
    kubeconfig = str(_pointing_elsewhere(kube_cluster, tmp_path))
    client = await KubeClient.connect(kubeconfig, qps=0, request_timeout=5)
    try:
        with pytest.raises(KubeError) as info:
            await client.get(SERVICES, kube_namespace, "absent")
        assert info.value.reason == "Unreachable"
    finally:
        await client.close()
    client = await KubeClient.connect(kubeconfig, qps=0, request_timeout=5, server=kube_cluster.server)
    try:
        assert await client.get(SERVICES, kube_namespace, "absent") is None  # authenticated: a 404, not a 401
    finally:
        await client.close()
