"""Several clusters on one AWS account: N zonekeeper processes sharing Route 53's 5 requests/s (issue 12).

Each process is a cluster: its own namespace (c0, c1, ...), owner id and access key, and a cold
`zonekeeper run --once --from-file` of its own Services into the one zone they share. The strict
Route 53 endpoint throttles like Route 53 does: one budget for the account (5 requests/s, burst 5),
answered HTTP 400 `Throttling` "Rate exceeded" beyond it. Run once with the adaptive rate (the
default) and once with the fixed rate (--no-aws-rate-limit-adaptive, the old behaviour); each
process paced at --aws-rate-limit 4, the default.

Prints, per mode: calls (answered, all attempts), Throttling answers (count and share), the time until
every process is done (from the launch, and from the first request to the last), the ideal (calls
that got through / 5 per second), fairness (each process's time from launch to exit: max/min and
Jain's index, 1 = perfectly fair), failed processes and records written; then the figures beside the
recorded ones (benchmarks/results.py). 1,000 Services pack into ~4 Change batches at Route 53's
limits, too few calls to exercise a limiter, so --batch (--aws-batch-change-size) is 20 by default:
2,000 changes (record + TXT) -> 100 batches per process. Prints figures; not a test.
Run: nice uv run python benchmarks/bench_shared_account.py [--instances 10] [--services 1000]
     [--batch 20] [--modes adaptive,fixed] [--record]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.results import Figure, show  # noqa: E402

from tests.support.route53 import StrictRoute53Server  # noqa: E402
from tests.support.route53_rules import RequestRejected  # noqa: E402

ACCOUNT_RATE = 5.0
SERVICE = """\
---
apiVersion: v1
kind: Service
metadata:
  name: svc-{i}
  namespace: {ns}
  annotations:
    external-dns.alpha.kubernetes.io/hostname: svc-{i}.{ns}.example.com
spec:
  type: LoadBalancer
status:
  loadBalancer:
    ingress:
    - ip: 10.{k}.{b}.{c}
"""


@dataclass(slots=True)
class Instance:
    name: str
    key: str
    proc: subprocess.Popen[bytes]
    log: Path
    launched: float
    exited: float | None = None
    rc: int | None = None


def write_manifest(path: Path, ns: str, k: int, n: int) -> None:
    with path.open("w") as out:
        for i in range(n):
            out.write(SERVICE.format(i=i, ns=ns, k=k, b=i >> 8 & 255, c=i & 255))


def launch(server: StrictRoute53Server, manifest: Path, k: int, batch: int, adaptive: bool, logdir: Path) -> Instance:
    name, key = f"c{k}", f"AKIDBENCHCLUSTER{k:02d}"
    env = {**os.environ, "AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": "bench",
           "AWS_ENDPOINT_URL_ROUTE_53": server.endpoint, "PYTHONPATH": str(ROOT / "src")}
    env.pop("AWS_PROFILE", None)
    log = logdir / f"{name}-{'adaptive' if adaptive else 'fixed'}.log"
    cmd = [sys.executable, "-m", "zonekeeper.cli", "run", "--once", "--from-file", str(manifest),
           "--source", "service", "--txt-owner-id", name, "--domain-filter", "example.com",
           "--aws-rate-limit", "4", "--aws-batch-change-size", str(batch), "--log-level", "warning",
           "--aws-rate-limit-adaptive" if adaptive else "--no-aws-rate-limit-adaptive"]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    return Instance(name, key, proc, log, time.monotonic())


def stamp_requests(server: StrictRoute53Server) -> tuple[list[float], list[float]]:
    """Arrival times of every counted request and of the throttled ones (the benchmark's own look,
    not part of the endpoint)."""
    stamps: list[float] = []
    throttles: list[float] = []
    lock = threading.Lock()
    admit = server._admit

    def stamped(*args: Any, **kwargs: Any) -> None:
        now = time.monotonic()
        with lock:
            stamps.append(now)
        try:
            admit(*args, **kwargs)
        except RequestRejected as exc:
            if exc.code == "Throttling":
                with lock:
                    throttles.append(now)
            raise

    server._admit = stamped  # type: ignore[method-assign]
    return stamps, throttles


def jain(values: list[float]) -> float:
    return sum(values) ** 2 / (len(values) * sum(v * v for v in values))


def run_mode(manifests: list[Path], services: int, batch: int, adaptive: bool, logdir: Path) -> dict[str, float]:
    with StrictRoute53Server() as server:
        server.reset()  # moto's state is per Python process: nothing left from the previous mode
        zone = server.create_zone("example.com")
        server.set_rate_limit(ACCOUNT_RATE, burst=int(ACCOUNT_RATE))
        stamps, throttles = stamp_requests(server)
        instances = [launch(server, m, k, batch, adaptive, logdir) for k, m in enumerate(manifests)]
        start = min(i.launched for i in instances)
        while any(i.exited is None for i in instances):
            time.sleep(0.2)
            for i in instances:
                if i.exited is None and i.proc.poll() is not None:
                    i.exited, i.rc = time.monotonic(), i.proc.returncode
        calls = sum(server.counts.values())
        throttled = server.throttled
        a_records = sum(1 for r in server.records(zone) if r["Type"] == "A")
        per_calls = {i.name: sum(c for (key, _), c in server.counts_by_key.items() if key == i.key) for i in instances}
        per_throttled = {i.name: server.throttled_by_key[i.key] for i in instances}
    took = [(i.exited or start) - i.launched for i in instances]
    ok = calls - throttled
    mode = "adaptive" if adaptive else "fixed"
    print(f"\n{mode}: {len(instances)} processes x {services:,} Services, --aws-batch-change-size {batch}, "
          f"account limit {ACCOUNT_RATE:g}/s")
    for i, t in zip(instances, took, strict=True):
        print(f"  {i.name}: exit {i.rc} after {t:.1f} s, calls {per_calls[i.name]}, "
              f"throttled {per_throttled[i.name]}")
    wall = max(i.exited or start for i in instances) - start
    active = stamps[-1] - stamps[0] if stamps else 0.0
    ideal = ok / ACCOUNT_RATE
    figures = {
        "calls": calls, "throttled": throttled, "throttled %": 100 * throttled / calls if calls else 0.0,
        "ideal": ideal, "converged, from launch": wall, "converged, first to last request": active,
        "vs ideal (first to last request)": active / ideal if ideal else 0.0,
        "slowest/fastest process": max(took) / min(took), "Jain's index": jain(took),
        "failed processes": sum(1 for i in instances if i.rc != 0),
        "A records written": a_records,
    }
    early = sum(1 for t in throttles if stamps and t - stamps[0] < 30)
    print(f"  Throttling answers in the first 30 s of requests: {early}, later: {len(throttles) - early}")
    print(f"  calls {calls} (throttled {throttled} = {figures['throttled %']:.1f} %), ideal {ok} / "
          f"{ACCOUNT_RATE:g}/s = {ideal:.1f} s; all done {wall:.1f} s after launch, first to last request "
          f"{active:.1f} s = {figures['vs ideal (first to last request)']:.2f} x ideal")
    fair, spread = figures["Jain's index"], figures["slowest/fastest process"]
    print(f"  fairness: slowest/fastest {spread:.2f}, Jain {fair:.3f}; "
          f"failed processes {figures['failed processes']}; A records {a_records:,} of "
          f"{len(instances) * services:,}")
    return figures


LOWER_IS_WORSE = {"Jain's index", "A records written"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--instances", type=int, default=10)
    parser.add_argument("--services", type=int, default=1000)
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--modes", default="adaptive,fixed")
    parser.add_argument("--record", action="store_true", help="write the figures into benchmarks/results.json")
    a = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="zonekeeper-shared-") as tmp:
        manifests = []
        for k in range(a.instances):
            path = Path(tmp) / f"c{k}.yaml"
            write_manifest(path, f"c{k}", k, a.services)
            manifests.append(path)
        logdir = Path(tempfile.mkdtemp(prefix="zonekeeper-shared-logs-"))
        results = {mode: run_mode(manifests, a.services, a.batch, mode == "adaptive", logdir)
                   for mode in a.modes.split(",")}
    print(f"\n(process logs: {logdir})")
    for mode, figures in results.items():
        show("bench_shared_account",
             {"instances": a.instances, "services": a.services, "batch": a.batch, "mode": mode},
             [Figure(name, value, "s" if name in ("ideal",) or name.startswith("converged") else "",
                     lower_is_better=name not in LOWER_IS_WORSE, tolerance=0.15)
              for name, value in figures.items()], record=a.record)


if __name__ == "__main__":
    main()
