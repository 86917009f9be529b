"""CPU per object status write, against a real kube-apiserver (issue 12: an idle controller's CPU).

After a cold start at 100,000 Services, the controller writes a condition on each of them at half of
--kube-api-qps (25/s by default): for over an hour, "idle" is that backlog draining, and its CPU is
writes/s x CPU per write. This times the write as the controller does it: the StatusWriter's apply
configuration and server-side apply, and the watch event each write brings back into the informer
cache (decoded, slimmed, frozen, judged a status-only change). Only this process's CPU is counted,
per write (time.process_time: the apiserver's CPU is not ours).

Run: uv run python benchmarks/bench_status.py [N [QPS]] [--profile] [--record]
(QPS: the writer's rate; 0, the default, for none. The CPU per write is higher when paced, as the
controller is, since fewer writes share each wake-up: measure at 25 for the idle figure.)
"""

from __future__ import annotations

import asyncio
import cProfile
import json
import pstats
import sys
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.results import Figure, show, take_record_flag  # noqa: E402

from tests.support.kube import KubeCluster  # noqa: E402
from zonekeeper.kube.cache import ClusterCache  # noqa: E402
from zonekeeper.kube.client import KubeClient  # noqa: E402
from zonekeeper.kube.dnsstatus import PROGRAMMED  # noqa: E402
from zonekeeper.kube.status import StatusUpdate, StatusWriter  # noqa: E402
from zonekeeper.sources import objects as kinds  # noqa: E402

NS = "bench-status"


async def create_services(cluster: KubeCluster, n: int) -> None:
    """n LoadBalancer Services with an address, as the controller sees them after a cold start."""
    headers = {"Content-Type": "application/json"}
    connector = aiohttp.TCPConnector(ssl=cluster.admin_ssl_context(), limit=32)
    async with aiohttp.ClientSession(cluster.server, headers=headers, connector=connector) as session:
        async def one(i: int) -> None:
            body = {"apiVersion": "v1", "kind": "Service",
                    "metadata": {"name": f"svc-{i}", "namespace": NS,
                                 "annotations": {"external-dns.alpha.kubernetes.io/hostname": f"svc-{i}.example.com"}},
                    "spec": {"type": "LoadBalancer", "ports": [{"port": 80}], "allocateLoadBalancerNodePorts": False}}
            async with session.post(f"/api/v1/namespaces/{NS}/services", data=json.dumps(body)) as r:
                assert r.status in (201, 409), await r.text()
            patch = {"status": {"loadBalancer": {"ingress": [{"ip": f"10.1.{i >> 8 & 255}.{i & 255}"}]}}}
            async with session.patch(f"/api/v1/namespaces/{NS}/services/svc-{i}/status", data=json.dumps(patch),
                                     headers={"Content-Type": "application/merge-patch+json"}) as r:
                assert r.status == 200, await r.text()

        for start in range(0, n, 256):
            await asyncio.gather(*(one(i) for i in range(start, min(n, start + 256))))


async def write_all(client: KubeClient, cache: ClusterCache, n: int, qps: float) -> tuple[float, float, int]:
    """(CPU seconds, wall seconds, writes) to write every Service's condition and see each write's
    watch event come back into the cache."""
    writer = StatusWriter(client, qps=qps, lookup=cache.get)
    seen_before = {cache.get(kinds.SERVICES, NS, f"svc-{i}")["metadata"]["resourceVersion"]  # type: ignore[index]
                   for i in range(n)}
    cpu, wall = time.process_time(), time.monotonic()
    for i in range(n):
        obj = cache.get(kinds.SERVICES, NS, f"svc-{i}")
        assert obj is not None
        writer.submit(obj, StatusUpdate(kinds.SERVICES, NS, f"svc-{i}", PROGRAMMED))
    await writer.flush()
    # Every write's event back in the cache (its resourceVersion moved).
    while any(cache.get(kinds.SERVICES, NS, f"svc-{i}")["metadata"]["resourceVersion"]  # type: ignore[index]
              in seen_before for i in range(0, n, max(1, n // 50))):
        await asyncio.sleep(0.01)
    await asyncio.sleep(0.2)
    return time.process_time() - cpu, time.monotonic() - wall, writer.stats.written


async def main() -> None:
    record = take_record_flag()
    profile = "--profile" in sys.argv
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 3000
    qps = float(args[1]) if len(args) > 1 else 0.0
    with KubeCluster() as cluster:
        cluster.ensure_namespace(NS)
        await create_services(cluster, n)
        client = await KubeClient.connect(kubeconfig=str(cluster.admin_kubeconfig), qps=0)
        cache = ClusterCache(client)
        try:
            await cache.start([kinds.SERVICES], namespace=NS)
            assert await cache.wait_synced(120)
            profiler = cProfile.Profile(time.process_time) if profile else None
            if profiler is not None:
                profiler.enable()
            cpu, wall, written = await write_all(client, cache, n, qps)
            if profiler is not None:
                profiler.disable()
        finally:
            await cache.stop()
            await client.close()
    assert written == n, (written, n)
    per_write = 1000 * cpu / n
    print(f"{n:,} Service status writes (server-side apply + the watch event back): {per_write:.2f} ms CPU "
          f"per write ({wall:.1f} s wall, {n / wall:.0f}/s, {f'paced at {qps:g}/s' if qps else 'unpaced'})")
    print(f"  at 25 writes/s (half of --kube-api-qps 50, as bench_live runs): {25 * per_write / 10:.2f} % of a core")
    if profiler is not None:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
    show("bench_status", {"services": n, "qps": qps}, [
        Figure("CPU per status write", per_write, "ms", tolerance=0.25, scaled=True),
    ], record=record)


if __name__ == "__main__":
    asyncio.run(main())
