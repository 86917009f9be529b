"""`zonekeeper plan --from-file` over 10,000 Services (goal: ≤ 1 s for the whole command), and where the time goes.

Prints figures; not a test. The "before" line times the pure-Python `yaml.safe_load_all` that read
the files until issue 7 (90 % of the 6.9 s the whole plan took then); the rest is the path used now:
libyaml events built into objects with every limit checked (`manifests.load`), the sources, and the
plan against the strict Route 53 endpoint (an empty zone: everything is a create).
Figures are printed beside the recorded ones (benchmarks/results.py).
Run: uv run python benchmarks/bench_from_file.py [N] [--record]
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.results import Figure, show, take_record_flag

from tests.support.route53 import StrictRoute53Server
from zonekeeper import manifests, sources
from zonekeeper.config import Settings
from zonekeeper.report import render_text
from zonekeeper.wiring import build

SERVICE = """\
---
apiVersion: v1
kind: Service
metadata:
  name: svc-{i}
  namespace: ns-{ns}
  labels:
    app: svc-{i}
    team: team-{team}
  annotations:
    external-dns.alpha.kubernetes.io/hostname: svc-{i}.apps.example.com
    external-dns.alpha.kubernetes.io/ttl: "300"
spec:
  type: LoadBalancer
  selector:
    app: svc-{i}
  ports:
  - name: http
    port: 80
    protocol: TCP
    targetPort: 8080
status:
  loadBalancer:
    ingress:
    - ip: 10.{a}.{b}.{c}
"""


def write(path: Path, n: int) -> None:
    with path.open("w") as out:
        for i in range(n):
            out.write(SERVICE.format(i=i, ns=i % 50, team=i % 7, a=i >> 16 & 255, b=i >> 8 & 255, c=i & 255))


def whole_command(path: Path, endpoint: str) -> tuple[float, float]:
    """(wall, CPU) seconds of `zonekeeper plan --from-file` as a user runs it: a fresh process,
    imports included."""
    env = {**os.environ, "AWS_ENDPOINT_URL_ROUTE_53": endpoint, "AWS_DEFAULT_REGION": "us-east-1"}
    # The image compiles its bytecode when it is built (UV_COMPILE_BYTECODE=1); a checkout run with
    # PYTHONDONTWRITEBYTECODE=1 would compile every module on every run instead, half a second here.
    # The first of the runs (not counted, see main) writes the bytecode.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "zonekeeper.cli", "plan", "--from-file", str(path), "--source", "service",
                    "--txt-owner-id", "bench", "--aws-rate-limit", "1000"], env=env, check=False,
                   stdout=subprocess.DEVNULL)
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


PHASES = ("libyaml events alone", "parse (events -> objects)", "sources", "plan (pipeline)", "render (text)")


def events_alone(text: str) -> float:
    """CPU seconds libyaml takes to hand over the events, nothing built: the floor of any parse
    through PyYAML's C parser."""
    started = time.process_time()
    loader = yaml.CSafeLoader(text)
    try:
        while loader.get_event() is not None:
            pass
    finally:
        loader.dispose()
    return time.process_time() - started


def parse_only(text: str) -> float:
    """CPU seconds of manifests' parse alone (the objects built, limits checked, nothing decoded)."""
    started = time.process_time()
    list(manifests._documents(text, 0))
    return time.process_time() - started


def best(runs: list[float]) -> str:
    return f"{min(runs):.2f} s (median {statistics.median(runs):.2f} s of {len(runs)})"


def main() -> None:
    record = take_record_flag()
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")
    with tempfile.TemporaryDirectory() as tmp, StrictRoute53Server() as server:
        path = Path(tmp) / "services.yaml"
        write(path, n)
        server.create_zone("example.com")
        settings = Settings.of(aws_endpoint_url=server.endpoint, txt_owner_id="bench", aws_rate_limit=1000.0,
                               sources=("service",))
        text = path.read_text()

        before = []
        for _ in range(1):
            started = time.process_time()
            list(yaml.safe_load_all(text))
            before.append(time.process_time() - started)

        loads, totals = [], []
        phases: dict[str, list[float]] = {name: [] for name in PHASES}
        for _ in range(3):
            wired = build(settings, records_cache_seconds=0.0)
            with manifests.gc_paused():  # as `plan` runs it
                phases["libyaml events alone"].append(events_alone(text))
                phases["parse (events -> objects)"].append(parse_only(text))
                started = time.process_time()
                store, problems = manifests.load([path])
                loaded = time.process_time()
                desired = sources.collect(store, settings.source.sources, wired.source_config)
                collected = time.process_time()
                result = wired.pipeline.run(desired.endpoints, apply=False, source_problems=problems)
                planned = time.process_time()
                render_text(result, settings)
                rendered = time.process_time()
            totals.append(planned - started)
            loads.append(loaded - started)
            phases["sources"].append(collected - loaded)
            phases["plan (pipeline)"].append(planned - collected)
            phases["render (text)"].append(rendered - planned)
            assert not problems and len(result.changes) == n, (problems[:3], len(result.changes))
        whole_command(path, server.endpoint)  # writes the bytecode, as building the image does
        commands = [whole_command(path, server.endpoint) for _ in range(3)]

    print(f"plan --from-file, {n:,} Services in one file ({len(text.encode()):,} bytes), CPU seconds:")
    print(f"  before: pure-Python yaml.safe_load_all alone: {best(before)}")
    print(f"  now:    manifests.load (libyaml, bounded):    {best(loads)}")
    print(f"  now:    load + sources + plan (the whole plan): {best(totals)}")
    print("  by phase (load = parse + decoding into the store):")
    for name, runs in phases.items():
        print(f"    {name + ':':<28}{best(runs)}")
    print(f"  the whole command (fresh process, imports included): wall {best([w for w, _ in commands])}, "
          f"CPU {best([c for _, c in commands])}")
    show("bench_from_file", {"services": n}, [
        Figure("manifests.load best", min(loads), "s CPU", tolerance=0.25, scaled=True),
        Figure("whole plan best", min(totals), "s CPU", tolerance=0.25, scaled=True),
        Figure("whole plan median", statistics.median(totals), "s CPU", tolerance=0.25, scaled=True),
        Figure("command wall best", min(w for w, _ in commands), "s", tolerance=0.25, scaled=True),
        Figure("command CPU best", min(c for _, c in commands), "s CPU", tolerance=0.25, scaled=True),
        *(Figure(f"{name} best", min(runs), "s CPU", tolerance=0.25, scaled=True) for name, runs in phases.items()),
    ], record=record)


if __name__ == "__main__":
    main()
