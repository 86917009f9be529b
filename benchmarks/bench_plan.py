"""Planner speed: 50,000 desired endpoints against 100,000 current records (target ≤ 1 s).

Prints figures beside the recorded ones (benchmarks/results.py); not a test.
Run: uv run python benchmarks/bench_plan.py [--record]
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.results import Figure, show, take_record_flag

from zonekeeper.endpoint import Endpoint
from zonekeeper.plan import PlanOptions, calculate

OWNER = "bench"


def build(n_desired: int = 50_000, n_current: int = 100_000) -> tuple[list[Endpoint], list[Endpoint]]:
    current: list[Endpoint] = []
    for i in range(n_current):
        # Records 0..54,999 are ours (45,000 still desired, a tenth of those changed, 10,000 to delete);
        # the rest belong to another owner or to nobody. 5,000 desired names are new.
        owner = OWNER if i < 55_000 else ("other" if i % 2 else "")
        labels = {"owner": owner, "resource": f"service/ns/svc-{i}"} if owner else {}
        current.append(Endpoint.new(f"svc-{i}.apps.example.com", "A", [f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}"],
                                    ttl=300, labels=labels))
    desired: list[Endpoint] = []
    for j in range(n_desired):
        i = j if j < 45_000 else j + 60_000  # names 105,000.. do not exist yet
        ip = f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}" if i % 10 else f"192.168.{i >> 8 & 255}.{i & 255}"
        desired.append(Endpoint.new(f"svc-{i}.apps.example.com", "A", [ip], ttl=300,
                                    labels={"resource": f"service/ns/svc-{i}"}))
    return current, desired


def main() -> None:
    record = take_record_flag()
    current, desired = build()
    options = PlanOptions(owner_id=OWNER)
    times = []
    plan = None
    for _ in range(5):
        start = time.perf_counter()
        plan = calculate(current, desired, options)
        times.append(time.perf_counter() - start)
    assert plan is not None
    print(f"plan: {len(desired):,} desired vs {len(current):,} current records")
    print(f"  changes: {sum(1 for c in plan.changes if c.action.value == 'create')} create, "
          f"{sum(1 for c in plan.changes if c.action.value == 'update')} update, "
          f"{sum(1 for c in plan.changes if c.action.value == 'delete')} delete")
    print(f"  time: median {statistics.median(times):.3f} s, best {min(times):.3f} s, worst {max(times):.3f} s "
          f"(target <= 1 s)")
    show("bench_plan", {"desired": len(desired), "current": len(current)}, [
        Figure("plan median", statistics.median(times), "s", tolerance=0.25, scaled=True),
        Figure("plan best", min(times), "s", tolerance=0.25, scaled=True),
        Figure("changes", len(plan.changes), tolerance=0.0),
    ], record=record)


if __name__ == "__main__":
    main()
