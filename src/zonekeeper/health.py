"""What `/healthz` and `/readyz` answer. Pure: the control loop reports to a `Vitals`, `Health`
judges it against a clock, so every threshold is testable with a fake clock.

Liveness means "the control loop still turns": it ticks at every iteration (an idle loop wakes at
least once per `--interval` for the periodic full pass) and after every zone of a pass, so a pass
blocked on Route 53 or a wedged loop stops the ticks. Readiness means "this replica does its job":
its watches have listed once and, when it is the one writing DNS, a full sync succeeded recently.
A follower never syncs DNS, so its readiness depends on its caches alone.

A tripped deletion guard does not make a replica unready (creates and updates still go on, and a
rollout that raises --max-delete-fraction must be able to complete), but `/readyz` says so in its
body, zone by zone, so `kubectl get --raw` or a probe's log shows why deletions are not happening.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import NamedTuple

MIN_LIVENESS_THRESHOLD = 60.0


def liveness_threshold(interval: float) -> float:
    """How long the control loop may go without an iteration before it counts as stuck."""
    return max(3.0 * interval, MIN_LIVENESS_THRESHOLD)


def readiness_max_sync_age(interval: float, configured: float = 0.0) -> float:
    """The oldest a leader's last successful full sync may be (`--readiness-max-sync-age`, else
    three full-pass intervals)."""
    return configured if configured > 0 else 3.0 * interval


class Verdict(NamedTuple):
    ok: bool
    reason: str


class Vitals:
    """Written by the control loop (possibly from its worker thread: plain float stores), read by
    `Health`. Times are on `clock` (monotonic)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.heartbeat = clock()
        self.last_sync: float | None = None
        # Zone ("example.com (Z123)") → (when the deletion guard tripped there, deletions it holds).
        self.deletion_guard: dict[str, tuple[float, int]] = {}

    def tick(self) -> None:
        self.heartbeat = self.clock()

    def synced(self) -> None:
        self.last_sync = self.heartbeat = self.clock()


class Health:
    def __init__(
        self,
        vitals: Vitals,
        *,
        interval: float,
        max_sync_age: float = 0.0,
        pending_watches: Callable[[], Sequence[str]] = lambda: (),
        is_leader: Callable[[], bool] = lambda: True,
    ) -> None:
        self.vitals = vitals
        self.stall_limit = liveness_threshold(interval)
        self.max_sync_age = readiness_max_sync_age(interval, max_sync_age)
        self.pending_watches = pending_watches
        self.is_leader = is_leader

    def liveness(self) -> Verdict:
        idle = self.vitals.clock() - self.vitals.heartbeat
        if idle > self.stall_limit:
            return Verdict(False, f"control loop stalled: no iteration for {idle:.0f}s "
                                  f"(limit {self.stall_limit:.0f}s)")
        return Verdict(True, "ok")

    def readiness(self) -> Verdict:
        verdict = self._readiness()
        notes = self._guard_notes()
        return Verdict(verdict.ok, "\n".join([verdict.reason, *notes])) if notes else verdict

    def _guard_notes(self) -> list[str]:
        now = self.vitals.clock()
        return [f"deletion guard tripped in {zone} {now - since:.0f}s ago: {held} deletions held "
                "(see docs/troubleshooting.md#mass-deletion-guard)"
                for zone, (since, held) in sorted(self.vitals.deletion_guard.items())]

    def _readiness(self) -> Verdict:
        pending = sorted(self.pending_watches())
        if pending:
            return Verdict(False, "waiting for the first list of: " + ", ".join(pending))
        if not self.is_leader():
            return Verdict(True, "ok (follower: caches synced, another replica writes DNS)")
        last = self.vitals.last_sync
        if last is None:
            return Verdict(False, "no successful DNS sync yet")
        age = self.vitals.clock() - last
        if age > self.max_sync_age:
            return Verdict(False, f"last successful DNS sync {age:.0f}s ago (limit {self.max_sync_age:.0f}s)")
        return Verdict(True, "ok")
