"""--kube-api-request-timeout against a real kube-apiserver: it bounds each request (0 = no bound)."""

from __future__ import annotations

import pytest

from tests.support.kube import KubeCluster
from zonekeeper.kube import resources
from zonekeeper.kube.client import KubeClient, KubeError
from zonekeeper.sources import objects as kinds

pytestmark = [pytest.mark.kube, pytest.mark.integration]

SERVICES = resources.RESOURCES[kinds.SERVICES]


@pytest.mark.parametrize(("timeout", "answers"), [(1e-6, False), (30.0, True), (0.0, True)])
async def test_the_request_timeout_bounds_each_request(kube_cluster: KubeCluster, kube_namespace: str,
                                                       timeout: float, answers: bool) -> None:
    client = await KubeClient.connect(str(kube_cluster.admin_kubeconfig), qps=0, request_timeout=timeout)
    try:
        if answers:
            assert await client.get(SERVICES, kube_namespace, "absent") is None
        else:
            with pytest.raises(KubeError) as info:
                await client.get(SERVICES, kube_namespace, "absent")
            assert info.value.reason == "Unreachable"
    finally:
        await client.close()
