"""The live controller at scale, against a real kube-apiserver and the strict Route 53 endpoint.

Prints figures (not a test), beside the recorded ones (benchmarks/results.py), for N LoadBalancer
Services whose names are spread over Z zones (issue 12 item 3):
  * Service creation rate in the apiserver (before the controller starts; concurrent raw creates);
  * cold converge: the controller started on N Services and empty zones, until every record is in;
  * event -> DNS latency p50 / p95 / p99 (a Service's status patched -> its A record in Route 53;
    target p99 <= 1 s);
  * idle CPU of the controller, % of one core over --idle-window (>= 60 s) with nothing changing,
    and the Route 53 calls in that window (target < 1 %). Nothing changes in the cluster, but the
    controller is still writing the cold start's backlog of object status conditions (N of them at
    half --kube-api-qps, 25/s); with --drain it waits for the last and measures idle again;
  * peak RSS (VmHWM) of the controller (target <= 400 MB at 100,000 Services);
  * start-up: a second controller started with every record already in place, until its first full
    pass has succeeded (list of the Services and the zones, plan, nothing to change; target <= 60 s).

Foreign records (not ours) fill zone 0 up to --records in all (default 50,000), as a busy zone has.
The controller runs as a real `zonekeeper run` subprocess, so its RSS and CPU are its own.
Run: uv run python benchmarks/bench_live.py [--services 10000] [--zones 4] [--samples 100]
     [--idle-window 60] [--drain SECONDS] [--census FILE] [--record]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.results import Figure, show, yardstick  # noqa: E402

from tests.support.kube import KubeCluster  # noqa: E402
from tests.support.route53 import StrictRoute53Server  # noqa: E402

NS = "bench"
HOSTNAME = "external-dns.alpha.kubernetes.io/hostname"
SERVICES = f"/api/v1/namespaces/{NS}/services"
CLK_TCK = os.sysconf("SC_CLK_TCK")


def ip(i: int) -> str:
    return f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"


def zone_name(k: int) -> str:
    return f"z{k}.example.com"


def host(i: int, zones: int) -> str:
    return f"svc-{i}.{zone_name(i % zones)}"


def service(i: int, zones: int) -> bytes:
    return json.dumps({
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": f"svc-{i}", "namespace": NS, "annotations": {HOSTNAME: host(i, zones)}},
        "spec": {"type": "LoadBalancer", "selector": {"app": f"svc-{i}"}, "ports": [{"port": 80}],
                 "allocateLoadBalancerNodePorts": False}}).encode()


def lb_status(address: str) -> bytes:
    return json.dumps({"status": {"loadBalancer": {"ingress": [{"ip": address}]}}}).encode()


class Api:
    """Raw JSON requests as the cluster admin: the creation path is the apiserver's, not a client's
    (the Kubernetes client's per-request model serialisation would be the bottleneck)."""

    def __init__(self, cluster: KubeCluster, concurrency: int) -> None:
        self.base = cluster.server
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(
            limit=concurrency, ssl=cluster.admin_ssl_context()))
        self.gate = asyncio.Semaphore(concurrency)

    async def send(self, method: str, path: str, body: bytes, content_type: str = "application/json") -> None:
        for attempt in range(20):
            async with self.gate, self.session.request(method, self.base + path, data=body,
                                                       headers={"Content-Type": content_type}) as response:
                if response.status < 300 or (method == "POST" and response.status == 409):
                    return
                if response.status not in (429, 500, 503, 504) or attempt == 19:
                    raise RuntimeError(f"{method} {path}: {response.status} {await response.text()}")
            await asyncio.sleep(0.1 * (attempt + 1))

    async def create(self, i: int, zones: int) -> None:
        await self.send("POST", SERVICES, service(i, zones))
        await self.set_ip(i, ip(i))

    async def set_ip(self, i: int, address: str) -> None:
        await self.send("PATCH", f"{SERVICES}/svc-{i}/status", lb_status(address), "application/merge-patch+json")

    async def close(self) -> None:
        await self.session.close()


async def create_services(api: Api, n: int, zones: int) -> float:
    """Seconds to create n Services (each: POST, then its load balancer address on /status)."""
    started = time.monotonic()
    step = 2000  # bounded task lists; progress on stderr
    for lo in range(0, n, step):
        await asyncio.gather(*(api.create(i, zones) for i in range(lo, min(n, lo + step))))
        done = min(n, lo + step)
        print(f"  created {done:,} ({done / (time.monotonic() - started):.0f}/s)", file=sys.stderr)
    return time.monotonic() - started


def a_value(server: StrictRoute53Server, zone_id: str, name: str) -> str | None:
    # An in-process look at the zone (not an API call), cheap enough to poll every 10 ms.
    with server._lock:
        rec = server._state(server._zone(zone_id)).records.records.get((name + ".", "A", None))
    return ",".join(v["Value"] for v in rec.get("ResourceRecords", [])) if rec else None


def ours(server: StrictRoute53Server, zone_ids: list[str]) -> int:
    with server._lock:
        return sum(1 for z in zone_ids for key in server._state(server._zone(z)).records.records
                   if key[1] == "A" and key[0].startswith("svc-"))


async def wait_value(server: StrictRoute53Server, zone_id: str, name: str, value: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if a_value(server, zone_id, name) == value:
            return
        await asyncio.sleep(0.01)
    raise TimeoutError(f"{name} never became {value}")


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(slots=True)
class Controller:
    """One `zonekeeper run` subprocess and what can be read of it from outside."""

    proc: subprocess.Popen[bytes]
    metrics_url: str
    log: str
    started: float

    @classmethod
    def start(cls, cluster: KubeCluster, server: StrictRoute53Server, census: str = "") -> Controller:
        """`census`: a file for benchmarks/census.py's heap census, taken by `take_census`."""
        port = free_port()
        log = tempfile.NamedTemporaryFile("w", prefix="zonekeeper-bench-", suffix=".log", delete=False)  # noqa: SIM115 - the subprocess writes it
        env = {**os.environ, "AWS_ENDPOINT_URL_ROUTE_53": server.endpoint, "PYTHONPATH": str(ROOT / "src"),
               "ZONEKEEPER_CENSUS_FILE": census}
        command = [str(ROOT / "benchmarks" / "census.py")] if census else ["-m", "zonekeeper.cli"]
        started = time.monotonic()
        proc = subprocess.Popen(
            [sys.executable, *command, "run", "--kubeconfig", str(cluster.admin_kubeconfig),
             "--namespace", NS, "--source", "service", "--txt-owner-id", "bench",
             "--min-event-sync-interval", "100ms", "--aws-rate-limit", "5", "--kube-api-qps", "50",
             "--metrics-address", f"127.0.0.1:{port}", "--no-emit-events", "--log-level", "warning"],
            env=env, stdout=log, stderr=subprocess.STDOUT)
        return cls(proc, f"http://127.0.0.1:{port}/metrics", log.name, started)

    def metric(self, name: str) -> float | None:
        """The value of the sample line `name` (with its labels, if any, as printed), or None."""
        try:
            with urllib.request.urlopen(self.metrics_url, timeout=5) as response:
                text = response.read().decode()
        except OSError:
            return None
        for line in text.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        return None

    def passes(self, mode: str) -> tuple[int, float]:
        """(count, total seconds) of the controller's passes of this mode ("full" or "incremental") so far."""
        base = "zonekeeper_reconcile_duration_seconds"
        count = self.metric(f'{base}_count{{mode="{mode}"}}') or 0.0
        return int(count), self.metric(f'{base}_sum{{mode="{mode}"}}') or 0.0

    async def first_full_pass(self, timeout: float) -> float:
        """Seconds from launch until the first full pass succeeded."""
        deadline = self.started + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the controller exited with {self.proc.returncode}; see {self.log}")
            if (self.metric("zonekeeper_last_sync_success_timestamp_seconds") or 0) > 0:
                return time.monotonic() - self.started
            await asyncio.sleep(0.2)
        raise TimeoutError(f"no successful full pass in {timeout:.0f}s; see {self.log}")

    def status(self, field: str) -> float:
        """A /proc/<pid>/status figure in MB (VmRSS, VmHWM)."""
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
        return 0.0

    def cpu_seconds(self) -> float:
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime

    async def take_census(self, path: str) -> str:
        Path(path).unlink(missing_ok=True)
        self.proc.send_signal(signal.SIGUSR1)
        for _ in range(1200):
            await asyncio.sleep(0.5)
            if Path(path).exists():
                await asyncio.sleep(0.5)  # written in one call; let it finish
                return Path(path).read_text()
        return "(no census in 600 s)"

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(60)


async def latencies(api: Api, server: StrictRoute53Server, zone_ids: list[str], n: int, samples: int
                    ) -> list[tuple[float, float]]:
    """(seconds into the sampling, latency) of each change, in order."""
    out = []
    zones = len(zone_ids)
    began = time.monotonic()
    for k in range(samples):
        i = (k * 7919) % n
        address = f"172.16.{k // 250}.{k % 250 + 1}"
        sent = time.monotonic()
        await api.set_ip(i, address)
        await wait_value(server, zone_ids[i % zones], host(i, zones), address)
        out.append((sent - began, time.monotonic() - sent))
        await asyncio.sleep(0.2)
    return out


def fill_foreign(server: StrictRoute53Server, zone_id: str, count: int) -> None:
    """Records of others (not ours) in the zone from the start, written through the harness."""
    for lo in range(0, count, 1000):
        changes = [{"Action": "CREATE", "ResourceRecordSet": {
            "Name": f"other-{j}.legacy.{zone_name(0)}.", "Type": "A", "TTL": 300,
            "ResourceRecords": [{"Value": ip(j)}]}} for j in range(lo, min(count, lo + 1000))]
        server.harness.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": changes})


async def converge(server: StrictRoute53Server, zone_ids: list[str], n: int, controller: Controller) -> float:
    while ours(server, zone_ids) < n:
        if controller.proc.poll() is not None:
            raise RuntimeError(f"the controller exited with {controller.proc.returncode}; see {controller.log}")
        await asyncio.sleep(0.5)
    return time.monotonic() - controller.started


async def settle(controller: Controller, timeout: float = 600) -> float:
    """Wait until two full passes have ended since the call: the first after a change plans every name
    (seconds at 50,000 Services), the next one finds nothing changed and is skipped. Seconds waited."""
    began = time.monotonic()
    count0, _ = controller.passes("full")
    while controller.passes("full")[0] < count0 + 2:
        if time.monotonic() - began > timeout:
            raise TimeoutError(f"fewer than two full passes in {timeout:.0f}s; see {controller.log}")
        await asyncio.sleep(1)
    return time.monotonic() - began


@dataclass(frozen=True, slots=True)
class Idle:
    cpu: float  # % of one core
    calls: int  # Route 53 calls
    status_writes: int  # object status writes in the window (the cold start's backlog draining)
    status_queued: int  # status writes still waiting when it ended


async def idle(server: StrictRoute53Server, controller: Controller, window: float) -> Idle:
    """What the controller spent over the window with nothing changing."""
    written = 'zonekeeper_status_updates_total{outcome="written"}'
    server.reset_counts()
    cpu0, t0, writes0 = controller.cpu_seconds(), time.monotonic(), controller.metric(written) or 0
    await asyncio.sleep(window)
    cpu = controller.cpu_seconds() - cpu0
    writes = (controller.metric(written) or 0) - writes0
    return Idle(100 * cpu / (time.monotonic() - t0), sum(server.counts.values()), int(writes),
                int(controller.metric("zonekeeper_status_updates_queued") or 0))


async def drained_idle(server: StrictRoute53Server, controller: Controller, a: argparse.Namespace) -> Idle:
    """Idle once the cold start's status backlog has been written (--drain seconds at most): the
    controller's own floor, which the first window (the backlog draining) sits above."""
    queued = "zonekeeper_status_updates_queued"
    began = time.monotonic()
    while (controller.metric(queued) or 0) > 0:
        if time.monotonic() - began > a.drain:
            raise TimeoutError(f"the status backlog did not drain in {a.drain:.0f}s; see {controller.log}")
        await asyncio.sleep(5)
    print(f"status backlog written {time.monotonic() - began:.0f}s later")
    await asyncio.sleep(5)  # the last writes' watch events
    quiet = await idle(server, controller, a.idle_window)
    print(f"idle with nothing queued: {quiet.cpu:.2f}% of a core over {a.idle_window:.0f}s, {quiet.calls} Route 53 "
          f"calls, {quiet.status_writes} object status writes")
    return quiet


async def main(a: argparse.Namespace) -> None:
    yardstick()  # while the machine is quiet; show() takes the best of this and its own
    n, zones = a.services, a.zones
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")
    # A /12 for ClusterIPs: the harness's /16 holds only 65,534. (Creation no longer slows as Services
    # accumulate: tests/kube/build.sh drops the ClusterIP allocator's per-allocation gauge recount,
    # which made each create cost O(Services).)
    with KubeCluster(extra_apiserver_args=["--service-cluster-ip-range=10.96.0.0/12"],
                     etcd_compaction_interval=300) as cluster, StrictRoute53Server() as server:
        cluster.ensure_namespace(NS)
        zone_ids = [server.create_zone(zone_name(k)) for k in range(zones)]
        foreign = max(0, a.records - 2 * n)
        fill_foreign(server, zone_ids[0], foreign)
        api = Api(cluster, a.concurrency)
        try:
            t_create = await create_services(api, n, zones)
            print(f"{n:,} Services created in {t_create:.1f}s ({n / t_create:.0f}/s, {a.concurrency} in flight)")

            first = Controller.start(cluster, server, census=a.census)
            try:
                t_converge = await converge(server, zone_ids, n, first)
                print(f"cold converge: {t_converge:.1f}s from launch to {n:,} A records in {zones} zones")
                await asyncio.sleep(5)
                passes_before = {mode: first.passes(mode) for mode in ("full", "incremental")}
                sampled = await latencies(api, server, zone_ids, n, a.samples)
                lat = [latency for _, latency in sampled]
                print(f"event -> DNS over {len(lat)} changes: p50 {pct(lat, 50):.3f}s, p95 {pct(lat, 95):.3f}s, "
                      f"p99 {pct(lat, 99):.3f}s, max {max(lat):.3f}s (target p99 <= 1s)")
                slowest = sorted(sampled, key=lambda s: -s[1])[:5]
                print("  slowest: " + ", ".join(f"{latency:.2f}s at +{at:.1f}s" for at, latency in slowest))
                for mode, (count0, sum0) in passes_before.items():
                    count, total = first.passes(mode)
                    if count > count0:
                        print(f"  {mode} passes meanwhile: {count - count0}, mean {(total - sum0) / (count - count0):.3f}s")
                waited = await settle(first)
                quiet = await idle(server, first, a.idle_window)
                cpu, calls = quiet.cpu, quiet.calls
                print(f"idle (after {waited:.0f}s for two full passes to end): {cpu:.2f}% of a core over "
                      f"{a.idle_window:.0f}s, {calls} Route 53 calls (target < 1%); meanwhile "
                      f"{quiet.status_writes} object status writes, {quiet.status_queued} still queued")
                drained = await drained_idle(server, first, a) if a.drain else None
                rss, peak = first.status("VmRSS"), first.status("VmHWM")
                if a.census:
                    print(f"heap census of the controller at {rss:.0f} MB RSS:\n{await first.take_census(a.census)}")
                print(f"RSS {rss:.0f} MB now, peak {peak:.0f} MB ({n:,} Services, {2 * n + foreign:,} records)")
            finally:
                first.stop()

            batches = len(server.change_batches)
            second = Controller.start(cluster, server)
            try:
                t_start = await second.first_full_pass(timeout=600)
                print(f"start-up with the records in place: {t_start:.1f}s to the first successful full pass, "
                      f"{len(server.change_batches) - batches} change batches (target <= 60s, 0 batches)")
            finally:
                second.stop()
        finally:
            await api.close()
    print(f"(controller logs: {first.log}, {second.log})")

    show("bench_live", {"services": n, "zones": zones, "records": a.records}, [
        Figure("creation rate", n / t_create, "Services/s", lower_is_better=False, tolerance=0.25,
               scaled=True),
        Figure("cold converge", t_converge, "s", tolerance=0.25),
        Figure("latency p50", pct(lat, 50), "s", tolerance=0.25),
        Figure("latency p95", pct(lat, 95), "s", tolerance=0.25),
        Figure("latency p99", pct(lat, 99), "s", tolerance=0.25),
        Figure("idle CPU", cpu, "% of a core", tolerance=0.5, scaled=True),
        Figure("idle Route 53 calls", calls, tolerance=0.0),
        *([Figure("idle CPU, backlog written", drained.cpu, "% of a core", tolerance=0.5,
                        scaled=True)] if drained else []),
        Figure("peak RSS", peak, "MB"),
        Figure("start-up", t_start, "s", tolerance=0.25),
    ], record=a.record)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, default=10_000)
    parser.add_argument("--zones", type=int, default=4)
    parser.add_argument("--records", type=int, default=50_000,
                        help="foreign records fill zone 0 until the zones hold this many in all")
    parser.add_argument("--samples", type=int, default=100)
    parser.add_argument("--idle-window", type=float, default=60.0)
    parser.add_argument("--drain", type=float, default=0.0,
                        help="then wait up to this many seconds for the status backlog to be written, and "
                             "measure idle again (at the default 25 writes/s: N / 25 s)")
    parser.add_argument("--census", default="", metavar="FILE",
                        help="run the first controller under benchmarks/census.py and print its heap census "
                             "(objects by type) once idle, through FILE")
    parser.add_argument("--concurrency", type=int, default=32, help="Service creates in flight")
    parser.add_argument("--record", action="store_true", help="write the figures into benchmarks/results.json")
    args = parser.parse_args()
    if args.idle_window < 60:
        parser.error("--idle-window must be at least 60 s (idle CPU is averaged over it)")
    asyncio.run(main(args))
