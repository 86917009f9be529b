"""Route 53 API calls for a cold run of 10,000 Services against the strict Route 53 endpoint.

Budget (issue): zone listing + ceil(records/300) list pages + ceil(changes/1000) change batches for the
cold run, and no calls at all for a second pass of the same process. Prints figures; not a test.
Figures are printed beside the recorded ones (benchmarks/results.py).
Run: uv run python benchmarks/bench_cold_run.py [N] [--record]
"""

from __future__ import annotations

import math
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.results import Figure, show, take_record_flag

from tests.support.route53 import StrictRoute53Server
from zonekeeper import sources
from zonekeeper.config import Settings
from zonekeeper.sources.objects import ObjectStore
from zonekeeper.wiring import build


def services(n: int) -> ObjectStore:
    store = ObjectStore()
    for i in range(n):
        store.add({
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": f"svc-{i}", "namespace": f"ns-{i % 50}",
                         "annotations": {"external-dns.alpha.kubernetes.io/hostname": f"svc-{i}.apps.example.com"}},
            "spec": {"type": "LoadBalancer"},
            "status": {"loadBalancer": {"ingress": [{"ip": f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}"}]}},
        })
    return store


def main() -> None:
    record = take_record_flag()
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")
    with StrictRoute53Server() as server:
        server.create_zone("example.com")
        settings = Settings.of(aws_endpoint_url=server.endpoint, txt_owner_id="bench", aws_rate_limit=1000.0)
        wired = build(settings, records_cache_seconds=3600)
        store = services(n)

        start = time.perf_counter()
        desired = sources.collect(store, ("service",), wired.source_config)
        t_sources = time.perf_counter() - start
        server.reset_counts()
        start = time.perf_counter()
        result = wired.pipeline.run(desired.endpoints, apply=True)
        t_cold = time.perf_counter() - start
        assert result.ok, result.all_problems[:3]
        cold = dict(server.counts)
        values = sum(len(c["ResourceRecordSet"].get("ResourceRecords", [1]))
                     for b in server.accepted_change_batches for c in b["Changes"])
        chars = sum(len(v["Value"]) for b in server.accepted_change_batches for c in b["Changes"]
                    for v in c["ResourceRecordSet"].get("ResourceRecords", []))
        changes = len(result.changes)

        server.reset_counts()
        start = time.perf_counter()
        again = wired.pipeline.run(desired.endpoints, apply=True)
        t_warm = time.perf_counter() - start
        warm = dict(server.counts)
        assert again.changes == []

        fresh = build(settings)  # a new process's view: nothing cached
        server.reset_counts()
        start = time.perf_counter()
        third = fresh.pipeline.run(desired.endpoints, apply=True)
        t_fresh = time.perf_counter() - start
        fresh_calls = dict(server.counts)
        assert third.changes == []

    records = 2 * changes + 2  # each record has its TXT; plus the zone's NS and SOA
    # Route 53 takes at most 1,000 values and 32,000 value characters per request: the TXT values
    # (~90 characters each) make the character limit the binding one.
    batches = max(math.ceil(values / 1000), math.ceil(chars / 32000))
    budget = 1 + 1 + batches
    print(f"cold run of {n:,} Services ({changes:,} records + {changes:,} TXT = {values:,} values, {chars:,} characters)")
    print(f"  sources: {t_sources:.2f} s; pipeline: {t_cold:.1f} s")
    print(f"  calls: {cold}  total {sum(cold.values())}")
    print(f"  minimum: 1 zone list + 1 page + max(ceil({values}/1000), ceil({chars}/32000)) = {batches} batches "
          f"-> {budget}")
    print(f"second pass, same process: calls {warm or 'none'} total {sum(warm.values())} in {t_warm:.2f} s")
    print(f"second pass, fresh process: calls {fresh_calls} total {sum(fresh_calls.values())} "
          f"(1 zone list + ceil({records}/300) = {1 + math.ceil(records / 300)}) in {t_fresh:.1f} s")
    show("bench_cold_run", {"services": n}, [
        Figure("cold calls", sum(cold.values()), tolerance=0.0),
        Figure("cold pipeline", t_cold, "s", tolerance=0.25, scaled=True),
        Figure("second pass calls", sum(warm.values()), tolerance=0.0),
        Figure("fresh process calls", sum(fresh_calls.values()), tolerance=0.0),
        Figure("fresh process pass", t_fresh, "s", tolerance=0.25),
    ], record=record)


if __name__ == "__main__":
    main()
