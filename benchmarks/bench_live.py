"""The live controller against a real kube-apiserver and the strict Route 53 endpoint.

Prints figures (not a test):
  * event → record latency, p50 / p99, with 1,000 and with 10,000 Services present
    (targets p50 ≤ 1 s, p99 ≤ 3 s);
  * Route 53 calls during a steady-state window, and per hour;
  * the controller's RSS with 10,000 Services and 50,000 records in the zone (target ≤ 200 MB).

The controller runs as a real `zonekeeper run` subprocess, so its RSS is its own.
Figures are printed beside the recorded ones (benchmarks/results.py).
Run: uv run python benchmarks/bench_live.py [--services 1000,10000] [--samples 40] [--record]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.results import Figure, show  # noqa: E402

from tests.support.kube import KubeCluster  # noqa: E402
from tests.support.route53 import StrictRoute53Server  # noqa: E402
from zonekeeper.kube.client import KubeClient  # noqa: E402
from zonekeeper.kube.resources import RESOURCES  # noqa: E402

SERVICES = RESOURCES["services"]
NS = "bench"
HOSTNAME = "external-dns.alpha.kubernetes.io/hostname"


def ip(i: int) -> str:
    return f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"


def service(i: int) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": f"svc-{i}", "namespace": NS,
                         "annotations": {HOSTNAME: f"svc-{i}.apps.example.com"}},
            "spec": {"type": "LoadBalancer", "selector": {"app": f"svc-{i}"}, "ports": [{"port": 80}],
                     "allocateLoadBalancerNodePorts": False}}


async def create_services(client: KubeClient, start: int, stop: int) -> None:
    sem = asyncio.Semaphore(16)

    async def one(i: int) -> None:
        async with sem:
            await client.create(SERVICES, NS, service(i))
            await client.patch(SERVICES, NS, f"svc-{i}", {"status": {"loadBalancer": {"ingress": [{"ip": ip(i)}]}}},
                               subresource="status")

    await asyncio.gather(*(one(i) for i in range(start, stop)))


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def zone_value(server: StrictRoute53Server, zone_id: str, name: str) -> str | None:
    # An in-process look at the zone (not an API call), cheap enough to poll every 10 ms.
    with server._lock:
        state = server._state(server._zone(zone_id))
        rec = state.records.records.get((name + ".", "A", None))
    return ",".join(v["Value"] for v in rec.get("ResourceRecords", [])) if rec else None


async def wait_value(server: StrictRoute53Server, zone_id: str, name: str, value: str, timeout: float = 60) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if zone_value(server, zone_id, name) == value:
            return time.monotonic() - start
        await asyncio.sleep(0.01)
    raise TimeoutError(f"{name} never became {value}")


async def latencies(client: KubeClient, server: StrictRoute53Server, zone_id: str, n: int, samples: int) -> list[float]:
    out = []
    for k in range(samples):
        i = (k * 7919) % n
        new_ip = f"172.16.{k // 250}.{k % 250 + 1}"
        sent = time.monotonic()
        await client.patch(SERVICES, NS, f"svc-{i}", {"status": {"loadBalancer": {"ingress": [{"ip": new_ip}]}}},
                           subresource="status")
        waited = await wait_value(server, zone_id, f"svc-{i}.apps.example.com", new_ip)
        out.append(time.monotonic() - sent if waited >= 0 else waited)
        await asyncio.sleep(0.2)
    return out


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def main(sizes: list[int], samples: int, window: float, record: bool) -> None:
    figures: list[Figure] = []
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")
    with KubeCluster() as cluster, StrictRoute53Server() as server:
        cluster.ensure_namespace(NS)
        zone_id = server.create_zone("example.com")
        # 50,000 records in the zone: records of others (not ours) beside our 2 x N, there from the start.
        extra = max(0, 50_000 - 2 * max(sizes))
        batch: list[dict[str, Any]] = []
        for j in range(extra):
            batch.append({"Action": "CREATE", "ResourceRecordSet": {
                "Name": f"other-{j}.legacy.example.com.", "Type": "A", "TTL": 300,
                "ResourceRecords": [{"Value": ip(j)}]}})
            if len(batch) == 1000:
                server.harness.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": batch})
                batch = []
        if batch:
            server.harness.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": batch})

        client = await KubeClient.connect(str(cluster.admin_kubeconfig), qps=0)
        log = tempfile.NamedTemporaryFile("w", prefix="zonekeeper-bench-", suffix=".log", delete=False)  # noqa: SIM115 - the subprocess writes it
        env = {**os.environ, "AWS_ENDPOINT_URL_ROUTE_53": server.endpoint, "PYTHONPATH": str(ROOT / "src")}
        proc = subprocess.Popen(
            [sys.executable, "-m", "zonekeeper.cli", "run", "--kubeconfig", str(cluster.admin_kubeconfig),
             "--namespace", NS, "--source", "service", "--txt-owner-id", "bench", "--interval", "30s",
             "--min-event-sync-interval", "100ms", "--aws-rate-limit", "5", "--kube-api-qps", "50",
             "--no-emit-events", "--log-level", "warning"], env=env, stdout=log, stderr=subprocess.STDOUT)
        created = 0
        try:
            for n in sizes:
                t0 = time.monotonic()
                await create_services(client, created, n)
                created = n
                t_create = time.monotonic() - t0
                await wait_value(server, zone_id, f"svc-{n - 1}.apps.example.com", ip(n - 1), timeout=600)
                t_converge = time.monotonic() - t0
                await asyncio.sleep(2)
                lat = await latencies(client, server, zone_id, n, samples)
                print(f"{n:,} Services present: created in {t_create:.1f}s, all records in Route 53 after "
                      f"{t_converge:.1f}s")
                print(f"  event -> record latency over {len(lat)} changes: p50 {pct(lat, 50):.3f}s, "
                      f"p99 {pct(lat, 99):.3f}s, max {max(lat):.3f}s (targets p50 <= 1s, p99 <= 3s)")
                figures += [Figure(f"converge {n}", t_converge, "s", tolerance=0.25),
                            Figure(f"latency p50 {n}", pct(lat, 50), "s", tolerance=0.25),
                            Figure(f"latency p99 {n}", pct(lat, 99), "s", tolerance=0.25)]

            # Steady state: nothing changes; full passes every 30 s re-plan from the caches.
            ours = 2 * created
            server.reset_counts()
            await asyncio.sleep(window)
            steady = dict(server.counts)
            rss = rss_mb(proc.pid)
            pages = -(-(ours + extra + 2) // 300)
            print(f"steady state over {window:.0f}s with {created:,} Services and {ours + extra:,} records: "
                  f"Route 53 calls {steady or 'none'}")
            print(f"  per hour: {sum(steady.values()) * 3600 / window:.0f} from passes, plus one re-list at the "
                  f"--aws-records-cache-duration (1h): 1 ListHostedZones + {pages} ListResourceRecordSets pages")
            print(f"controller RSS: {rss:.0f} MB with {created:,} Services and {ours + extra:,} records "
                  f"(target <= 200 MB)")
            figures += [Figure("steady calls per hour", sum(steady.values()) * 3600 / window, tolerance=0.0),
                        Figure("RSS", rss, "MB")]
            show("bench_live", {"services": ",".join(map(str, sizes)), "samples": samples, "window": window},
                 figures, record=record)
        finally:
            proc.terminate()
            proc.wait(30)
            await client.close()
            print(f"(controller log: {log.name})")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", default="1000,10000")
    parser.add_argument("--samples", type=int, default=40)
    parser.add_argument("--window", type=float, default=90.0)
    parser.add_argument("--record", action="store_true", help="write the figures into benchmarks/results.json")
    a = parser.parse_args()
    asyncio.run(main([int(s) for s in a.services.split(",")], a.samples, a.window, a.record))
