"""The leader elector's state machine on a fake clock and an in-memory Lease store.

Time is virtual: it moves only when every task is waiting on the fake `sleep`, and then jumps to the
earliest wake-up. Nothing sleeps for real, so a minute of election traffic runs in milliseconds and
timing assertions are exact. The store enforces resourceVersion preconditions like the API server
(409 on a stale PUT or a duplicate create); faults are injected per client, so one replica can be cut
off from the API while another still reaches it.
"""

from __future__ import annotations

import asyncio
import copy
import heapq
import itertools
import random
import re
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest

from zonekeeper.kube.client import KubeError, Resource
from zonekeeper.kube.leader import (
    LeaderElectionError,
    LeaderElectionForbidden,
    LeaderElector,
    NotLeaderError,
)
from zonekeeper.kube.resources import LEASES

NS = "zonekeeper"
LEASE = 15.0
RENEW = 10.0
RETRY = 2.0


class FakeTime:
    """A monotonic clock plus an asyncio sleep driven by `advance`."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(seconds, 0.0), next(self._seq), future))
        await future

    async def settle(self) -> None:
        # Enough event-loop turns for every runnable task to reach its next fake sleep (or a hang).
        for _ in range(50):
            await asyncio.sleep(0)

    async def advance(self, seconds: float) -> None:
        """Run everything until `seconds` of virtual time have passed."""
        target = self.now + seconds
        while True:
            await self.settle()
            while self._sleepers and self._sleepers[0][2].done():
                heapq.heappop(self._sleepers)
            if not self._sleepers or self._sleepers[0][0] > target:
                self.now = target
                await self.settle()
                return
            when, _, future = heapq.heappop(self._sleepers)
            self.now = max(self.now, when)
            future.set_result(None)

    async def until(self, predicate: Callable[[], bool], limit: float, step: float = 0.01) -> float:
        """Advance in small steps until `predicate()`; return the virtual time it took."""
        start = self.now
        while not predicate():
            if self.now - start > limit:
                raise AssertionError(f"condition not met within {limit}s of virtual time")
            await self.advance(step)
        return self.now - start


class LeaseStore:
    """The API server's view of Leases: one object per name, resourceVersion-checked writes."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], dict[str, Any]] = {}
        self._rv = itertools.count(1)
        self.writes: list[tuple[str, str | None]] = []  # (verb, holder) in order, for ordering assertions

    def lease(self, name: str = "zonekeeper") -> dict[str, Any]:
        return self.objects[(NS, name)]

    def spec(self, name: str = "zonekeeper") -> dict[str, Any]:
        return dict(self.lease(name)["spec"])

    def put_raw(self, spec: dict[str, Any], name: str = "zonekeeper") -> None:
        """Someone outside the test's electors writes the Lease."""
        self.objects[(NS, name)] = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                                    "metadata": {"name": name, "namespace": NS,
                                                 "resourceVersion": str(next(self._rv))},
                                    "spec": spec}
        self.writes.append(("raw", spec.get("holderIdentity")))

    def get(self, namespace: str, name: str) -> dict[str, Any] | None:
        obj = self.objects.get((namespace, name))
        return copy.deepcopy(obj)

    def create(self, namespace: str, body: dict[str, Any]) -> dict[str, Any]:
        name = body["metadata"]["name"]
        if (namespace, name) in self.objects:
            raise KubeError(409, "AlreadyExists", f'leases.coordination.k8s.io "{name}" already exists')
        obj = copy.deepcopy(body)
        obj["metadata"]["resourceVersion"] = str(next(self._rv))
        self.objects[(namespace, name)] = obj
        self.writes.append(("create", obj["spec"].get("holderIdentity")))
        return copy.deepcopy(obj)

    def replace(self, namespace: str, name: str, body: dict[str, Any]) -> dict[str, Any]:
        current = self.objects.get((namespace, name))
        if current is None:
            raise KubeError(404, "NotFound", f'leases.coordination.k8s.io "{name}" not found')
        if body["metadata"].get("resourceVersion") != current["metadata"]["resourceVersion"]:
            raise KubeError(409, "Conflict", "the object has been modified; please apply your changes to the latest "
                                             "version and try again")
        obj = copy.deepcopy(body)
        obj["metadata"]["resourceVersion"] = str(next(self._rv))
        self.objects[(namespace, name)] = obj
        self.writes.append(("update", obj["spec"].get("holderIdentity")))
        return copy.deepcopy(obj)


class FakeClient:
    """One replica's connection to the store. `down`: requests fail as if the API were unreachable;
    `hang`: requests never answer; `error`: requests fail with that error; `lag`: virtual seconds each
    request takes."""

    def __init__(self, store: LeaseStore, time: FakeTime) -> None:
        self.store = store
        self.time = time
        self.down = False
        self.hang = False
        self.error: KubeError | None = None
        self.lag = 0.0
        self.requests = 0

    async def _gate(self) -> None:
        self.requests += 1
        await asyncio.sleep(0)
        if self.lag:
            await self.time.sleep(self.lag)
        if self.hang:
            await asyncio.get_running_loop().create_future()
        if self.down:
            raise KubeError(0, "Unreachable", "connection refused")
        if self.error is not None:
            raise self.error

    async def get(self, resource: Resource, namespace: str | None, name: str) -> dict[str, Any] | None:
        assert resource == LEASES and namespace
        await self._gate()
        return self.store.get(namespace, name)

    async def create(self, resource: Resource, namespace: str | None, body: dict[str, Any]) -> dict[str, Any]:
        assert resource == LEASES and namespace
        await self._gate()
        return self.store.create(namespace, body)

    async def replace(self, resource: Resource, namespace: str | None, name: str,
                      body: dict[str, Any]) -> dict[str, Any]:
        assert resource == LEASES and namespace
        await self._gate()
        return self.store.replace(namespace, name, body)


class Candidate:
    """An elector plus its client, a record of its leading intervals and its running task."""

    def __init__(self, store: LeaseStore, time: FakeTime, identity: str, *,
                 on_started: Callable[[], Awaitable[None] | None] | None = None, **kwargs: Any) -> None:
        self.client = FakeClient(store, time)
        self.time = time
        self.store = store
        self.intervals: list[list[float]] = []  # [started, stopped] in virtual time
        self.new_leaders: list[str] = []
        self._user_started = on_started
        self.elector = LeaderElector(
            self.client, namespace=NS, identity=identity, lease_duration=kwargs.pop("lease_duration", LEASE),
            renew_deadline=kwargs.pop("renew_deadline", RENEW), retry_period=kwargs.pop("retry_period", RETRY),
            clock=time, sleep=time.sleep, rng=random.Random(identity),
            on_started_leading=self._started, on_stopped_leading=self._stopped,
            on_new_leader=self.new_leaders.append, **kwargs)
        self.task: asyncio.Task[None] | None = None

    def _started(self) -> Awaitable[None] | None:
        self.intervals.append([self.time.now, float("inf")])
        return self._user_started() if self._user_started else None

    def _stopped(self) -> None:
        self.intervals[-1][1] = self.time.now
        self.store.writes.append(("stopped", self.elector.identity))

    def start(self) -> Candidate:
        self.task = asyncio.ensure_future(self.elector.run())
        return self

    @property
    def leading(self) -> bool:
        return bool(self.intervals) and self.intervals[-1][1] == float("inf")

    async def stop(self) -> None:
        if self.task is not None and not self.task.done():
            self.task.cancel()
            await asyncio.gather(self.task, return_exceptions=True)


def assert_no_overlap(*candidates: Candidate) -> None:
    spans = sorted((s, e, c.elector.identity) for c in candidates for s, e in c.intervals)
    for (_s1, e1, who1), (s2, _e2, who2) in itertools.pairwise(spans):
        # A replica may re-take its own lease the moment it stepped down; anyone else must wait.
        assert e1 <= s2 if who1 == who2 else e1 < s2, f"{who1} led until {e1} but {who2} started leading at {s2}"


@pytest.fixture
def time_() -> FakeTime:
    return FakeTime()


@pytest.fixture
def store() -> LeaseStore:
    return LeaseStore()


@pytest.fixture
async def candidates() -> Any:
    made: list[Candidate] = []
    yield made
    for c in made:
        await c.stop()


def held_by(holder: str, *, renew: str = "2020-01-01T00:00:00.000000Z", transitions: int = 4,
            duration: int = 15) -> dict[str, Any]:
    return {"holderIdentity": holder, "leaseDurationSeconds": duration, "acquireTime": renew,
            "renewTime": renew, "leaseTransitions": transitions}


# --------------------------------------------------------------------------------------------------
# configuration


@pytest.mark.parametrize(("lease", "renew", "retry", "flags"), [
    (10.0, 10.0, 2.0, ["--leader-elect-lease-duration", "--leader-elect-renew-deadline"]),
    (5.0, 10.0, 2.0, ["--leader-elect-lease-duration", "--leader-elect-renew-deadline"]),
    (15.0, 2.4, 2.0, ["--leader-elect-renew-deadline", "--leader-elect-retry-period"]),
    (15.0, 10.0, 0.0, ["--leader-elect-retry-period"]),
])
def test_timings_are_validated_with_the_flag_names(lease: float, renew: float, retry: float,
                                                   flags: list[str]) -> None:
    with pytest.raises(ValueError) as caught:
        LeaderElector(object(), namespace=NS, lease_duration=lease, renew_deadline=renew, retry_period=retry)
    for flag in flags:
        assert flag in str(caught.value)


def test_defaults_and_identity() -> None:
    a = LeaderElector(object(), namespace=NS)
    b = LeaderElector(object(), namespace=NS)
    assert (a.name, a.lease_duration, a.renew_deadline, a.retry_period) == ("zonekeeper", 15.0, 10.0, 2.0)
    assert a.identity != b.identity, "two processes on one host (or a restarted pod) are distinct holders"
    assert re.fullmatch(r".+_[0-9a-f]{10}", a.identity)
    assert not a.is_leader and a.leader_identity is None
    with pytest.raises(NotLeaderError):
        a.assert_leader()


# --------------------------------------------------------------------------------------------------
# acquiring


async def test_acquires_a_free_lease_by_creating_it(time_: FakeTime, store: LeaseStore,
                                                    candidates: list[Candidate]) -> None:
    c = Candidate(store, time_, "a").start()
    candidates.append(c)
    await time_.advance(0)
    assert c.elector.is_leader and c.leading
    assert c.elector.leader_identity == "a" and c.new_leaders == ["a"]
    assert c.elector.term == 1 and c.elector.stats.acquired == 1
    spec = store.spec()
    assert spec["holderIdentity"] == "a"
    assert spec["leaseDurationSeconds"] == 15
    assert spec["leaseTransitions"] == 0
    for field in ("acquireTime", "renewTime"):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", spec[field]), spec[field]
    assert store.writes == [("create", "a")]

    # Renewals every retry_period keep acquireTime and the transitions count.
    await time_.advance(RETRY * 3 + 0.1)
    assert [w for w in store.writes if w[0] == "update"] == [("update", "a")] * 3
    assert store.spec()["acquireTime"] == spec["acquireTime"]
    assert store.spec()["leaseTransitions"] == 0
    assert c.elector.is_leader and c.elector.stats.lost == 0


async def test_lease_duration_is_rounded_up_to_whole_seconds(time_: FakeTime, store: LeaseStore,
                                                             candidates: list[Candidate]) -> None:
    c = Candidate(store, time_, "a", lease_duration=2.5, renew_deadline=2.0, retry_period=0.5).start()
    candidates.append(c)
    await time_.advance(0)
    assert store.spec()["leaseDurationSeconds"] == 3, "rounding down would let others time us out early"


async def test_two_candidates_on_a_missing_lease_one_wins(time_: FakeTime, store: LeaseStore,
                                                          candidates: list[Candidate]) -> None:
    a, b = Candidate(store, time_, "a"), Candidate(store, time_, "b")
    candidates += [a, b]
    a.start(), b.start()
    await time_.advance(30)
    assert [a.leading, b.leading].count(True) == 1
    assert sum(1 for verb, _ in store.writes if verb == "create") == 1
    assert a.elector.leader_identity == b.elector.leader_identity == store.spec()["holderIdentity"]


async def test_respects_a_live_holder(time_: FakeTime, store: LeaseStore, candidates: list[Candidate]) -> None:
    store.put_raw(held_by("other"))
    c = Candidate(store, time_, "a").start()
    candidates.append(c)
    # The holder renews every 2 s; its renewTime is in the past by our wall clock, which must not matter.
    for i in range(30):
        await time_.advance(2.0)
        store.put_raw(held_by("other", renew=f"2020-01-01T00:00:{i:02d}.000000Z"))
    assert not c.intervals and not c.elector.is_leader
    assert c.elector.leader_identity == "other" and c.new_leaders == ["other"]
    assert sum(1 for verb, _ in store.writes if verb != "raw") == 0, "never writes a lease it does not hold"


async def test_takes_over_only_after_observing_the_record_unchanged_for_the_lease_duration(
        time_: FakeTime, store: LeaseStore, candidates: list[Candidate]) -> None:
    # renewTime far in the future by our wall clock: a wall-clock elector would wait forever, and one
    # with renewTime far in the past would take over at once; we count from our first observation.
    store.put_raw(held_by("dead", renew="2999-01-01T00:00:00.000000Z", transitions=4))
    started = time_.now
    c = Candidate(store, time_, "a").start()
    candidates.append(c)
    await time_.advance(LEASE - 0.01)
    assert not c.intervals
    took = await time_.until(lambda: c.leading, limit=RETRY * (1 + 1.2) + 0.1)
    elapsed = time_.now - started
    assert LEASE <= elapsed <= LEASE + RETRY * 2.2 + 0.01, (elapsed, took)
    spec = store.spec()
    assert spec["holderIdentity"] == "a"
    assert spec["leaseTransitions"] == 5
    assert spec["acquireTime"] == spec["renewTime"] != "2999-01-01T00:00:00.000000Z"
    assert c.new_leaders == ["dead", "a"]


async def test_expiry_uses_the_holders_lease_duration(time_: FakeTime, store: LeaseStore,
                                                      candidates: list[Candidate]) -> None:
    store.put_raw(held_by("dead", duration=40))
    c = Candidate(store, time_, "a").start()
    candidates.append(c)
    await time_.advance(39.9)
    assert not c.intervals, "the holder promised to renew within 40 s, not our 15 s"
    await time_.advance(RETRY * 2.2 + 0.1)
    assert c.leading


async def test_any_change_to_the_record_restarts_the_expiry_timer(time_: FakeTime, store: LeaseStore,
                                                                  candidates: list[Candidate]) -> None:
    store.put_raw(held_by("other"))
    c = Candidate(store, time_, "a").start()
    candidates.append(c)
    await time_.advance(10)
    store.put_raw(held_by("other", renew="2020-01-01T00:00:10.000000Z"))  # one late renew
    await time_.advance(LEASE - 1)
    assert not c.intervals, "the renew 10 s in restarted the timer"
    await time_.advance(RETRY * 2.2 + 1.1)
    assert c.leading


async def test_a_released_lease_is_taken_at_once(time_: FakeTime, store: LeaseStore,
                                                 candidates: list[Candidate]) -> None:
    store.put_raw({**held_by("gone"), "holderIdentity": None, "leaseDurationSeconds": 1})
    c = Candidate(store, time_, "a").start()
    candidates.append(c)
    await time_.advance(0)
    assert c.leading
    assert store.spec()["leaseTransitions"] == 5


async def test_losing_the_write_race_is_not_leading(time_: FakeTime, store: LeaseStore,
                                                    candidates: list[Candidate]) -> None:
    store.put_raw(held_by("dead"))
    c = Candidate(store, time_, "a").start()
    candidates.append(c)
    await time_.advance(LEASE - 0.5)
    original_replace = store.replace

    def sneak_in(namespace: str, name: str, body: dict[str, Any]) -> dict[str, Any]:
        # Another candidate writes between our read and our write.
        store.replace = original_replace  # type: ignore[method-assign]
        store.put_raw(held_by("b", renew="2020-01-01T00:01:00.000000Z", transitions=5))
        return original_replace(namespace, name, body)

    store.replace = sneak_in  # type: ignore[method-assign]
    await time_.advance(RETRY * 2.2 * 2 + 1)  # the racing attempt, then one more read
    assert not c.intervals, "409 Conflict means someone else won"
    assert store.spec()["holderIdentity"] == "b"
    assert c.elector.leader_identity == "b"


# --------------------------------------------------------------------------------------------------
# renewing, stepping down, fencing


async def test_renew_errors_are_retried_within_the_deadline(time_: FakeTime, store: LeaseStore,
                                                            candidates: list[Candidate]) -> None:
    c = Candidate(store, time_, "a").start()
    candidates.append(c)
    await time_.advance(0.1)
    c.client.error = KubeError(503, "ServiceUnavailable", "etcd leader changed")
    await time_.advance(RENEW - RETRY - 0.2)
    assert c.elector.is_leader
    c.client.error = None
    await time_.advance(RETRY + 0.1)
    assert c.elector.is_leader and c.leading
    assert c.elector.stats.renew_failures >= 3 and c.elector.stats.lost == 0


async def test_steps_down_at_the_renew_deadline_before_a_follower_can_take_over(
        time_: FakeTime, store: LeaseStore, candidates: list[Candidate]) -> None:
    a = Candidate(store, time_, "a").start()
    await time_.advance(0)
    b = Candidate(store, time_, "b").start()
    candidates += [a, b]
    await time_.advance(5.05)
    last_renew = time_.now - 1.05  # renews at 2 and 4 s
    assert a.elector.is_leader and not b.intervals

    a.client.down = True  # the leader is cut off from the API; the follower is not
    await time_.advance(RENEW - RETRY)
    assert a.leading
    stopped_after = RENEW - RETRY + await time_.until(lambda: not a.leading, limit=RETRY)
    assert time_.now == pytest.approx(last_renew + RENEW, abs=0.011)
    assert not a.elector.is_leader and a.elector.stats.lost == 1
    assert stopped_after < RENEW

    await time_.until(lambda: b.leading, limit=LEASE, step=0.1)
    margin = b.intervals[0][0] - a.intervals[0][1]
    assert margin >= LEASE - RENEW - RETRY, f"fencing margin only {margin}s"
    assert_no_overlap(a, b)
    assert store.writes.index(("stopped", "a")) < store.writes.index(("update", "b"))

    # The old leader reconnects: it sees b's live lease and follows.
    a.client.down = False
    await time_.advance(60)
    assert not a.leading and b.leading
    assert a.elector.leader_identity == "b"
    assert_no_overlap(a, b)


async def test_a_hung_renew_still_steps_down_on_time(time_: FakeTime, store: LeaseStore,
                                                     candidates: list[Candidate]) -> None:
    a = Candidate(store, time_, "a").start()
    candidates.append(a)
    await time_.advance(0)
    a.client.hang = True
    await time_.advance(RENEW + 0.01)
    assert not a.leading, "a request that never answers must not hold off the step-down"
    assert a.elector.stats.renew_failures >= 1


async def test_is_leader_checks_the_deadline_even_if_the_loop_is_stuck(time_: FakeTime, store: LeaseStore,
                                                                       candidates: list[Candidate]) -> None:
    a = Candidate(store, time_, "a").start()
    candidates.append(a)
    await time_.advance(0)
    term = a.elector.term
    assert a.elector.fence() == pytest.approx(RENEW)
    # Move the clock without letting any task run: the renew loop cannot act, the property must.
    time_.now += RENEW - 0.001
    assert a.elector.is_leader
    assert a.elector.fence(term) == pytest.approx(0.001)
    time_.now += 0.002
    assert not a.elector.is_leader
    assert a.leading, "the loop has not run yet"
    with pytest.raises(NotLeaderError, match="not the leader on Lease zonekeeper/zonekeeper"):
        a.elector.assert_leader()
    with pytest.raises(NotLeaderError):
        a.elector.fence()


async def test_term_detects_losing_and_regaining_leadership(time_: FakeTime, store: LeaseStore,
                                                            candidates: list[Candidate]) -> None:
    a = Candidate(store, time_, "a").start()
    candidates.append(a)
    await time_.advance(0)
    term = a.elector.term
    a.client.down = True
    await time_.advance(RENEW + 1)
    a.client.down = False
    await time_.advance(RETRY * 2.2 + 0.1)
    assert a.elector.is_leader, "nobody else wanted it: it takes its own lease back"
    assert a.elector.term == term + 1
    a.elector.assert_leader()
    with pytest.raises(NotLeaderError, match="since term 1"):
        a.elector.assert_leader(term)


async def test_write_budget_runs_from_the_last_renewal_and_belongs_to_one_term(
        time_: FakeTime, store: LeaseStore, candidates: list[Candidate]) -> None:
    a = Candidate(store, time_, "a").start()
    candidates.append(a)
    await time_.advance(0)
    term, acquired = a.elector.term, time_.now
    margin = LEASE - RENEW
    assert a.elector.write_margin == margin
    # Renewed at t=0: writes may go on until renew time + lease - margin, counted down on our clock.
    assert a.elector.write_budget(term) == pytest.approx(LEASE - margin)
    a.client.down = True  # renewals fail from now on: the budget only shrinks
    await time_.advance(RETRY + 0.5)
    assert a.elector.write_budget(term) == pytest.approx(acquired + LEASE - margin - time_.now)
    # A write thread that was paused past the deadline finds nothing left, even before the step-down.
    time_.now = acquired + RENEW + 0.001
    assert a.elector.write_budget(term) == 0.0
    await time_.advance(0.1)
    assert not a.elector.is_leader and a.elector.write_budget(term) == 0.0
    # Leadership regained: the new term has a budget; a pass planned in the old one has none.
    a.client.down = False
    await time_.until(lambda: a.elector.is_leader, RETRY * 2.2 + 1)
    assert a.elector.term == term + 1
    assert a.elector.write_budget(term + 1) == pytest.approx(LEASE - margin, abs=0.1)
    assert a.elector.write_budget(term) == 0.0


async def test_steps_down_at_once_when_someone_else_holds_the_lease(time_: FakeTime, store: LeaseStore,
                                                                    candidates: list[Candidate]) -> None:
    a = Candidate(store, time_, "a").start()
    candidates.append(a)
    await time_.advance(0.5)
    store.put_raw(held_by("intruder"))  # e.g. an operator edited the Lease
    await time_.advance(RETRY)
    assert not a.leading and not a.elector.is_leader
    assert a.elector.leader_identity == "intruder"


async def test_leader_work_is_cancelled_before_on_stopped_leading(time_: FakeTime, store: LeaseStore,
                                                                  candidates: list[Candidate]) -> None:
    events: list[str] = []

    async def work() -> None:
        try:
            await asyncio.get_running_loop().create_future()
        except asyncio.CancelledError:
            events.append("work cancelled")
            raise

    a = Candidate(store, time_, "a", on_started=work).start()
    candidates.append(a)
    original_stopped = a._stopped

    def stopped() -> None:
        events.append("on_stopped_leading")
        original_stopped()

    a.elector.on_stopped_leading = stopped
    await time_.advance(1)
    a.client.down = True
    await time_.advance(RENEW + 1)
    assert events == ["work cancelled", "on_stopped_leading"]


async def test_failing_leader_work_releases_the_lease_and_raises(time_: FakeTime, store: LeaseStore,
                                                                 candidates: list[Candidate]) -> None:
    async def work() -> None:
        await time_.sleep(3)
        raise RuntimeError("sync loop crashed")

    a = Candidate(store, time_, "a", on_started=work).start()
    candidates.append(a)
    await time_.advance(RETRY * 2 + 0.1)
    assert a.task is not None and a.task.done()
    with pytest.raises(RuntimeError, match="sync loop crashed"):
        a.task.result()
    assert not a.leading
    assert store.spec()["holderIdentity"] is None, "a broken leader hands the lease over at once"


# --------------------------------------------------------------------------------------------------
# release and cancellation


async def test_release_stops_leading_then_frees_the_lease(time_: FakeTime, store: LeaseStore,
                                                          candidates: list[Candidate]) -> None:
    a = Candidate(store, time_, "a").start()
    await time_.advance(0)
    b = Candidate(store, time_, "b").start()
    candidates += [a, b]
    await time_.advance(3)
    transitions = store.spec()["leaseTransitions"]

    await a.elector.release()
    assert not a.elector.is_leader
    spec = store.spec()
    assert spec["holderIdentity"] is None and spec["leaseDurationSeconds"] == 1
    assert spec["leaseTransitions"] == transitions
    assert store.writes[-2:] == [("stopped", "a"), ("update", None)], "fenced before the lease is freed"
    await time_.advance(0)
    assert a.task is not None and a.task.done() and a.task.exception() is None, "run() returns after release()"

    released_at = time_.now
    await time_.until(lambda: b.leading, limit=RETRY * 2.2 + 0.1)
    assert time_.now - released_at <= RETRY * 2.2 + 0.01
    assert store.spec()["leaseTransitions"] == transitions + 1
    assert_no_overlap(a, b)


async def test_release_when_not_leading_leaves_the_lease_alone(time_: FakeTime, store: LeaseStore,
                                                               candidates: list[Candidate]) -> None:
    store.put_raw(held_by("other"))
    a = Candidate(store, time_, "a").start()
    candidates.append(a)
    await time_.advance(3)
    writes = list(store.writes)
    await a.elector.release()
    assert store.writes == writes and store.spec()["holderIdentity"] == "other"


async def test_cancelling_run_steps_down_but_keeps_the_lease(time_: FakeTime, store: LeaseStore,
                                                             candidates: list[Candidate]) -> None:
    a = Candidate(store, time_, "a").start()
    candidates.append(a)
    await time_.advance(1)
    await a.stop()
    assert not a.leading and not a.elector.is_leader
    assert store.spec()["holderIdentity"] == "a", "a cancellation looks like a crash unless release_on_cancel"


async def test_cancel_then_release_is_a_graceful_shutdown(time_: FakeTime, store: LeaseStore,
                                                           candidates: list[Candidate]) -> None:
    # The shutdown order of `zonekeeper run`: cancel every task, then release the lease.
    a = Candidate(store, time_, "a").start()
    candidates.append(a)
    await time_.advance(1)
    await a.stop()
    await a.elector.release()
    assert store.spec()["holderIdentity"] is None
    assert store.writes.count(("stopped", "a")) == 1, "on_stopped_leading runs once"


async def test_release_on_cancel(time_: FakeTime, store: LeaseStore, candidates: list[Candidate]) -> None:
    a = Candidate(store, time_, "a", release_on_cancel=True).start()
    candidates.append(a)
    await time_.advance(1)
    await a.stop()
    assert not a.leading
    assert store.spec()["holderIdentity"] is None
    assert store.writes[-2:] == [("stopped", "a"), ("update", None)]


async def test_run_twice_concurrently_is_refused(time_: FakeTime, store: LeaseStore,
                                                 candidates: list[Candidate]) -> None:
    a = Candidate(store, time_, "a").start()
    candidates.append(a)
    await time_.advance(0)
    with pytest.raises(RuntimeError, match="already running"):
        await a.elector.run()


# --------------------------------------------------------------------------------------------------
# permissions


async def test_forbidden_names_the_lease_and_the_missing_verbs(time_: FakeTime, store: LeaseStore,
                                                               candidates: list[Candidate]) -> None:
    a = Candidate(store, time_, "a")
    candidates.append(a)
    a.client.error = KubeError(403, "Forbidden", 'GET /apis/...: leases.coordination.k8s.io "zonekeeper" is '
                                                 'forbidden: User "system:serviceaccount:x:y" cannot get resource')
    a.start()
    await time_.advance(0)
    assert a.task is not None and a.task.done()
    with pytest.raises(LeaderElectionForbidden) as caught:
        a.task.result()
    message = str(caught.value)
    for part in ("Lease zonekeeper/zonekeeper", "get, create and update", "leases.coordination.k8s.io",
                 "namespace 'zonekeeper'", "cannot get resource"):
        assert part in message
    assert isinstance(caught.value.__cause__, KubeError) and caught.value.__cause__.status == 403


async def test_a_missing_namespace_is_a_clear_error(time_: FakeTime, store: LeaseStore,
                                                     candidates: list[Candidate]) -> None:
    a = Candidate(store, time_, "a")
    candidates.append(a)

    def no_namespace(namespace: str, body: dict[str, Any]) -> dict[str, Any]:
        raise KubeError(404, "NotFound", f'namespaces "{namespace}" not found')

    store.create = no_namespace  # type: ignore[method-assign]
    a.start()
    await time_.advance(0)
    assert a.task is not None and a.task.done()
    with pytest.raises(LeaderElectionError, match=r"namespace 'zonekeeper' does not exist.*--leader-elect-namespace"):
        a.task.result()


async def test_a_403_while_leading_is_retried_until_the_deadline(time_: FakeTime, store: LeaseStore,
                                                                 candidates: list[Candidate]) -> None:
    a = Candidate(store, time_, "a").start()
    candidates.append(a)
    await time_.advance(0)
    a.client.error = KubeError(403, "Forbidden", "RBAC not synced yet")
    await time_.advance(RETRY + 0.1)
    assert a.elector.is_leader, "an API server still syncing RBAC after a restart says 403 for a moment"
    a.client.error = None
    await time_.advance(RETRY)
    assert a.elector.is_leader and a.elector.stats.lost == 0


# --------------------------------------------------------------------------------------------------
# many replicas under random faults


def _fault_schedule(seed: int, replicas: int, seconds: int) -> Iterator[tuple[int, str]]:
    """Every few seconds one replica's connection changes state; it stays so until picked again
    (tens of seconds on average: long enough to outlast renew deadlines and leases)."""
    rng = random.Random(seed)
    for _ in range(seconds):
        if rng.random() < 0.15:
            yield rng.randrange(replicas), rng.choice(["ok", "down", "hang", "lag", "error"])
        else:
            yield -1, "same"


@pytest.mark.parametrize("seed", range(6))
async def test_never_two_leaders_under_random_faults(seed: int, time_: FakeTime, store: LeaseStore,
                                                     candidates: list[Candidate]) -> None:
    replicas = [Candidate(store, time_, f"r{i}") for i in range(3)]
    candidates += replicas
    for r in replicas:
        r.start()
    for who, fault in _fault_schedule(seed, len(replicas), 400):
        if who >= 0:
            client = replicas[who].client
            client.down, client.hang, client.error = fault == "down", fault == "hang", None
            client.lag = 3.0 if fault == "lag" else 0.0
            if fault == "error":
                client.error = KubeError(500, "InternalError", "boom")
        await time_.advance(1.0)
        # At every instant at most one replica believes it leads (is_leader checks the deadline).
        assert sum(r.elector.is_leader for r in replicas) <= 1
    assert_no_overlap(*replicas)
    leaders = {r.elector.identity for r in replicas if r.intervals}
    assert len(leaders) >= 2, "the schedule should force at least one takeover"
