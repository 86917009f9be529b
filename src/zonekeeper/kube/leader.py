"""Leader election on a coordination.k8s.io/v1 Lease, with client-go's semantics and fencing.

Only one replica may write to Route 53 at a time. The replicas agree through one Lease object:

* **Acquire.** Read the Lease; create it when absent. A Lease held by someone else is taken over only
  once its record (holder, renewTime, …) has been *observed unchanged for leaseDurationSeconds on our
  own monotonic clock*. Wall-clock timestamps written by other machines are never compared with ours
  (the `kubernetes.aio.leaderelection` module does compare naive wall clocks, which is why this exists).
  Every write is a PUT carrying the resourceVersion we read, so two candidates racing for the same
  expired Lease cannot both win: the loser gets 409 Conflict.
* **Renew** every retry_period. If no renew has succeeded for renew_deadline, step down.
* **Fencing.** renew_deadline < lease_duration, so we always stop leading (cancel the leader's work,
  call `on_stopped_leading`, `is_leader` turns False) before any other replica can consider the Lease
  expired. The deadline is measured from the moment the last *successful* renew was *sent*, while a
  follower starts its expiry timer only once it has *received* that record: the follower's timer can
  only start later than ours, never earlier, so the margin lease_duration - renew_deadline is never
  eaten by request latency. `is_leader` checks the deadline itself, so it turns False on time even if
  the renew loop is stuck; the controller calls `assert_leader()`/`fence()` right before every write.
* **Write deadline.** A write must not only *start* while we lead, it must be *over* before anyone
  else may lead: `write_budget(term)` is the time left until renew time + lease_duration - margin, on
  our monotonic clock, with margin = lease_duration - renew_deadline (the same instant we step down).
  The Route 53 provider asks it before every HTTP attempt (retries included) and bounds that attempt's
  timeout by it; the margin is left for the request to reach Route 53 (the client's connect timeout
  is bounded by half of it) and for the two machines' clocks to tick at slightly different rates.
  A process paused past the deadline (SIGSTOP, a GC pause, a frozen VM) finds the budget spent when
  it resumes, whatever it was doing when it stopped.
* **Release** on graceful shutdown: stop leading first, then clear holderIdentity, so a follower takes
  over on its next poll instead of waiting out the lease (client-go's ReleaseOnCancel).
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import enum
import inspect
import math
import random
import socket
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from zonekeeper import logs
from zonekeeper.kube.client import KubeError
from zonekeeper.kube.resources import LEASES

log = logs.get("zonekeeper.leader")

_T = TypeVar("_T")

# client-go's JitterFactor: candidates poll at retry_period * [1, 2.2) so they do not hit the API
# server in lock step. It is also why renew_deadline must exceed retry_period * 1.2 (client-go's
# validation): a leader must get more than one renew attempt in before its deadline.
JITTER_FACTOR: Final = 1.2

# How long a step-down waits for the leader's work to unwind after cancelling it, as a share of the
# fencing margin (lease_duration - renew_deadline): the rest is left for on_stopped_leading.
_UNWIND_SHARE: Final = 0.5

Callback = Callable[[], Awaitable[None] | None]


class LeaderElectionError(RuntimeError):
    """Leader election cannot work as configured (it is not worth retrying)."""


class LeaderElectionForbidden(LeaderElectionError):
    """The API server refused access to the Lease (RBAC)."""


class NotLeaderError(RuntimeError):
    """A write was about to happen without (or with stale) leadership."""


@dataclass(slots=True)
class LeaderStats:
    """Counters for metrics."""

    acquired: int = 0  # times this replica became leader
    lost: int = 0  # times this replica stopped leading, for any reason
    renew_failures: int = 0  # failed renew attempts (each retried within renew_deadline)
    transitions: int = 0  # leader changes observed on the Lease, to any replica (the first holder seen counts)


class _Outcome(enum.Enum):
    HELD = "held"  # we hold the Lease now (acquired or renewed)
    TAKEN = "taken"  # another replica holds a Lease that has not expired
    RACE = "race"  # someone wrote between our read and our write (409); read again


class _Timeout(Exception):
    """An API attempt outlived the time left before the renew deadline."""


def _default_identity() -> str:
    # Like client-go users (external-dns included): the pod name plus a random suffix, so a restarted
    # pod with the same name is still a different holder.
    return f"{socket.gethostname()}_{uuid.uuid4().hex[:10]}"


def _micro_time(when: dt.datetime) -> str:
    """Kubernetes MicroTime: RFC 3339 with microseconds, UTC."""
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _record(spec: dict[str, Any]) -> tuple[Any, ...]:
    """The part of a Lease that proves its holder alive. Any change restarts the expiry timer."""
    return tuple(spec.get(k) for k in
                 ("holderIdentity", "leaseDurationSeconds", "acquireTime", "renewTime", "leaseTransitions"))


class LeaderElector:
    """Campaign for, hold and give up one Lease; see the module docstring for the protocol.

    `on_started_leading` may return an awaitable: it then runs as a task for as long as we lead and is
    cancelled on step-down, before `on_stopped_leading` runs (this is where DNS writes are fenced off).
    If that task fails, we step down, release the Lease and `run()` re-raises the error.
    """

    def __init__(
        self,
        client: Any,
        *,
        namespace: str,
        name: str = "zonekeeper",
        identity: str | None = None,
        lease_duration: float = 15.0,
        renew_deadline: float = 10.0,
        retry_period: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        wall_clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        on_started_leading: Callback | None = None,
        on_stopped_leading: Callback | None = None,
        on_new_leader: Callable[[str], None] | None = None,
        release_on_cancel: bool = False,
        rng: random.Random | None = None,
    ) -> None:
        if not lease_duration > renew_deadline:
            raise ValueError(
                f"--leader-elect-lease-duration ({lease_duration:g}s) must be greater than "
                f"--leader-elect-renew-deadline ({renew_deadline:g}s): the leader must give up before "
                "others may take over")
        if not renew_deadline > retry_period * JITTER_FACTOR:
            raise ValueError(
                f"--leader-elect-renew-deadline ({renew_deadline:g}s) must be greater than "
                f"{JITTER_FACTOR:g} x --leader-elect-retry-period ({retry_period:g}s = "
                f"{retry_period * JITTER_FACTOR:g}s): the leader needs more than one renew attempt per deadline")
        if retry_period <= 0:
            raise ValueError(f"--leader-elect-retry-period ({retry_period:g}s) must be positive")
        if not namespace or not name:
            raise ValueError("leader election needs a Lease namespace and name")
        self.client = client
        self.namespace = namespace
        self.name = name
        self.identity = identity or _default_identity()
        self.lease_duration = float(lease_duration)
        self.renew_deadline = float(renew_deadline)
        self.retry_period = float(retry_period)
        self._clock = clock
        self._sleep = sleep
        self._wall_clock = wall_clock
        # Public: the controller may wire them after construction (before run()).
        self.on_started_leading = on_started_leading
        self.on_stopped_leading = on_stopped_leading
        self.on_new_leader = on_new_leader
        self._release_on_cancel = release_on_cancel
        self._rng = rng or random.Random()
        self.stats = LeaderStats()

        # What we last read or wrote, and when (our monotonic clock) that record was first seen.
        self._observed: tuple[Any, ...] | None = None
        self._observed_at = 0.0
        self._observed_holder: str | None = None
        # Leadership: _leading goes False first thing on step-down; _last_renew is the send time of
        # the last successful write, the reference for the renew deadline.
        self._leading = False
        self._last_renew = -math.inf
        self._term = 0
        self._work: asyncio.Task[Any] | None = None
        self._stopping = False
        self._running = False
        self._released = asyncio.Event()  # wakes run() from its pauses so it returns promptly
        # Serialises our Lease writes, so release() never interleaves with a renew in flight.
        self._lock = asyncio.Lock()

    # -- what the controller asks ----------------------------------------------------------------

    @property
    def lease_ref(self) -> str:
        return f"Lease {self.namespace}/{self.name}"

    @property
    def is_leader(self) -> bool:
        """True while we lead and the renew deadline has not passed. Checks the clock itself, so it
        turns False on time even if the renew loop is stuck. Safe to call from any thread (the
        provider's write thread does): it only reads two attributes and the clock."""
        return self._leading and self._clock() - self._last_renew < self.renew_deadline

    @property
    def term(self) -> int:
        """Increases every time this replica becomes leader; lets a caller detect lose-and-regain
        between two checks (see `assert_leader`)."""
        return self._term

    @property
    def leader_identity(self) -> str | None:
        """The holder last observed on the Lease (ourselves included), None when it is free."""
        return self._observed_holder

    def assert_leader(self, term: int | None = None) -> None:
        """Raise NotLeaderError unless we lead (in `term`, when given). Call right before each write."""
        if not self.is_leader:
            raise NotLeaderError(f"{self.identity} is not the leader on {self.lease_ref}; refusing to write")
        if term is not None and term != self._term:
            raise NotLeaderError(
                f"{self.identity} lost leadership on {self.lease_ref} since term {term} (now term {self._term})")

    @property
    def write_margin(self) -> float:
        """How long before the lease could expire for the others our writes must be over."""
        return self.lease_duration - self.renew_deadline

    def write_budget(self, term: int) -> float:
        """Seconds a write started now may take and still be over while the lease is certainly ours in
        `term`: renew time + lease_duration - write_margin - now. 0 when we do not lead in `term`.
        Safe to call from any thread (the provider's write thread does)."""
        if not self._leading or term != self._term:
            return 0.0
        return max(0.0, self._last_renew + self.lease_duration - self.write_margin - self._clock())

    def fence(self, term: int | None = None) -> float:
        """`assert_leader`, then the seconds of leadership left: a bound for the next write's timeout."""
        self.assert_leader(term)
        return max(0.0, self._last_renew + self.renew_deadline - self._clock())

    # -- the loop --------------------------------------------------------------------------------

    async def run(self) -> None:
        """Acquire, lead, and after a loss campaign again, until cancelled or `release()`d.

        On cancellation we stop leading (callbacks run) but leave the Lease alone unless
        release_on_cancel: a crash and a cancellation then look the same to the other replicas.
        """
        if self._running:
            raise RuntimeError("LeaderElector.run() is already running")
        self._running = True
        self._stopping = False
        self._released.clear()
        cancelled = False
        try:
            while not self._stopping:
                await self._acquire()
                if self._stopping:
                    break
                await self._lead()
        except asyncio.CancelledError:
            cancelled = True
            raise
        finally:
            self._running = False
            await self._stop_leading("cancelled" if cancelled else "stopped")
            if cancelled and self._release_on_cancel:
                await self._release_lease()

    async def release(self) -> None:
        """Graceful shutdown: stop leading (callbacks first), then free the Lease so a follower takes
        over at once. `run()` returns afterwards."""
        self._stopping = True
        self._released.set()
        await self._stop_leading("released")
        await self._release_lease()

    async def _acquire(self) -> None:
        while not self._stopping:
            try:
                # Bounded like a renew: a request that never answers must not stall the campaign.
                outcome = await self._bounded(self._try_acquire_or_renew(), self.renew_deadline)
            except LeaderElectionError:
                raise
            except _Timeout:
                log.warning("leader election: reading or writing the lease timed out", lease=self.lease_ref)
            except KubeError as exc:
                log.warning("leader election: cannot read or write the lease", lease=self.lease_ref, error=str(exc))
            else:
                # release() may have begun while the write was in flight: then it frees the Lease.
                if outcome is _Outcome.HELD and not self._stopping:
                    await self._start_leading()
                    return
            await self._pause(self.retry_period * (1.0 + self._rng.random() * JITTER_FACTOR))

    async def _lead(self) -> None:
        """Renew until we lose; then step down. Returns after stepping down (or when released)."""
        while self._leading:
            await self._pause(self.retry_period)
            if not self._leading:  # released while we slept
                return
            if self._work is not None and self._work.done():
                await self._work_finished()
            reason = await self._renew()
            if reason is not None:
                await self._stop_leading(reason)
                return

    async def _renew(self) -> str | None:
        """One renew, retried every retry_period until renew_deadline. None if renewed, else why not."""
        while self._leading:
            remaining = self._last_renew + self.renew_deadline - self._clock()
            if remaining <= 0:
                return f"no successful renew for {self.renew_deadline:g}s"
            try:
                outcome = await self._bounded(self._try_acquire_or_renew(), remaining)
            except _Timeout:
                self.stats.renew_failures += 1
                log.warning("leader election: renew timed out", lease=self.lease_ref)
            except (KubeError, LeaderElectionForbidden) as exc:
                # A LeaderElectionForbidden is retried here too: a transient 403 (an API server that is
                # still syncing RBAC after a restart) must not end leadership early. Persistent, it ends
                # leadership at the deadline and the next acquire raises it.
                self.stats.renew_failures += 1
                log.warning("leader election: renew failed", lease=self.lease_ref, error=str(exc))
            else:
                if outcome is _Outcome.HELD:
                    return None
                if outcome is _Outcome.TAKEN:
                    return f"the lease is now held by {self._observed_holder}"
                self.stats.renew_failures += 1  # RACE: someone wrote in between; read again
            remaining = self._last_renew + self.renew_deadline - self._clock()
            if remaining > 0:
                await self._pause(min(self.retry_period, remaining))
        return None  # released meanwhile: release() has stepped down already

    # -- one attempt -----------------------------------------------------------------------------

    async def _try_acquire_or_renew(self) -> _Outcome:
        """client-go's tryAcquireOrRenew: read, decide, write with the read resourceVersion."""
        async with self._lock:
            if self._stopping:  # release() ran while we waited for the lock
                return _Outcome.RACE
            lease = await self._call("get", self.client.get(LEASES, self.namespace, self.name))
            if lease is None:
                sent = self._clock()
                body = {"apiVersion": LEASES.api_version, "kind": LEASES.kind,
                        "metadata": {"name": self.name, "namespace": self.namespace},
                        "spec": {**self._spec({}, takeover=True), "leaseTransitions": 0}}
                try:
                    created = await self._call("create", self.client.create(LEASES, self.namespace, body))
                except KubeError as exc:
                    if exc.status == 409:  # another candidate created it first
                        return _Outcome.RACE
                    if exc.not_found:  # retrying would not help: nothing creates namespaces for us
                        raise LeaderElectionError(
                            f"cannot create {self.lease_ref}: namespace {self.namespace!r} does not exist "
                            f"(see --leader-elect-namespace). API server said: {exc.message}") from exc
                    raise
                self._observe(created)
                self._last_renew = sent
                return _Outcome.HELD

            self._observe(lease)
            spec = lease.get("spec") or {}
            holder = spec.get("holderIdentity") or ""
            if holder and holder != self.identity:
                duration = spec.get("leaseDurationSeconds")
                # The holder's own duration is what it promised to renew within (client-go uses it too).
                ttl = float(duration) if isinstance(duration, int | float) and duration > 0 else self.lease_duration
                if self._clock() - self._observed_at < ttl:
                    return _Outcome.TAKEN
                log.info("leader election: lease expired, taking over", lease=self.lease_ref, previous=holder,
                         unchanged_for=round(self._clock() - self._observed_at, 3))

            body = copy.deepcopy(lease)  # keeps metadata.resourceVersion: the write is conditional
            body["spec"] = self._spec(spec, takeover=holder != self.identity)
            sent = self._clock()
            try:
                replaced = await self._call("update", self.client.replace(LEASES, self.namespace, self.name, body))
            except KubeError as exc:
                if exc.status in (409, 404):  # written or deleted since we read it
                    return _Outcome.RACE
                raise
            self._observe(replaced)
            self._last_renew = sent
            return _Outcome.HELD

    def _spec(self, old: dict[str, Any], *, takeover: bool) -> dict[str, Any]:
        now = _micro_time(self._wall_clock())
        spec = dict(old)  # fields we do not manage (strategy, preferredHolder) stay as they are
        spec["holderIdentity"] = self.identity
        # Rounded up: others time us out after this many whole seconds, never before our deadline.
        spec["leaseDurationSeconds"] = math.ceil(self.lease_duration)
        spec["renewTime"] = now
        if takeover or not old.get("acquireTime"):
            spec["acquireTime"] = now
        if takeover:
            spec["leaseTransitions"] = int(old.get("leaseTransitions") or 0) + 1
        return spec

    def _observe(self, lease: dict[str, Any]) -> None:
        # Called once the response is in: a follower's expiry timer then starts no earlier than the
        # leader sent the write, which is what makes the fencing margin hold.
        spec = lease.get("spec") or {}
        record = _record(spec)
        if record != self._observed:
            self._observed = record
            self._observed_at = self._clock()
        holder = spec.get("holderIdentity") or None
        if holder != self._observed_holder:
            previous, self._observed_holder = self._observed_holder, holder
            if holder is not None:
                self.stats.transitions += 1
                log.info("leader election: new leader", lease=self.lease_ref, leader=holder, previous=previous,
                         me=holder == self.identity)
                if self.on_new_leader is not None:
                    try:
                        self.on_new_leader(holder)
                    except Exception:
                        log.exception("leader election: on_new_leader failed")

    async def _call(self, verb: str, request: Coroutine[Any, Any, _T]) -> _T:
        try:
            return await request
        except KubeError as exc:
            if exc.forbidden:
                raise LeaderElectionForbidden(
                    f"forbidden to {verb} {self.lease_ref}: grant the service account the verbs get, create "
                    f"and update on leases.coordination.k8s.io in namespace {self.namespace!r} "
                    f"(a Role and RoleBinding there). API server said: {exc.message}") from exc
            raise

    async def _pause(self, seconds: float) -> None:
        """Sleep, but end early when release() is called."""
        if self._stopping:
            return
        sleeper = asyncio.ensure_future(self._sleep(seconds))
        woken = asyncio.ensure_future(self._released.wait())
        try:
            await asyncio.wait({sleeper, woken}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeper.cancel()
            woken.cancel()

    async def _bounded(self, work: Coroutine[Any, Any, _T], seconds: float) -> _T:
        """`work`, cancelled after `seconds` (of the injected sleep, so fake clocks work too)."""
        task = asyncio.ensure_future(work)
        timer = asyncio.ensure_future(self._sleep(seconds))
        try:
            await asyncio.wait({task, timer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            timer.cancel()
            if not task.done():
                task.cancel()
                # Let the request unwind (release the lock, close the connection) before going on.
                await asyncio.wait({task})
        if task.cancelled():
            raise _Timeout()
        return task.result()

    # -- transitions -----------------------------------------------------------------------------

    async def _start_leading(self) -> None:
        # The term first: a write thread must never see us leading with the previous term's number.
        self._term += 1
        self._leading = True
        self.stats.acquired += 1
        log.info("leader election: started leading", lease=self.lease_ref, identity=self.identity, term=self._term)
        if self.on_started_leading is None:
            return
        try:
            result = self.on_started_leading()
        except Exception:
            log.exception("leader election: on_started_leading failed")
            await self._give_up_after_failure()
            raise
        if inspect.isawaitable(result):
            self._work = asyncio.ensure_future(result)

    async def _work_finished(self) -> None:
        """The leader's work task ended by itself: fine if it returned, fatal if it failed."""
        work, self._work = self._work, None
        error = None if work is None or work.cancelled() else work.exception()
        if error is None:
            return
        log.error("leader election: the leader's work failed; stepping down", lease=self.lease_ref, error=repr(error))
        await self._give_up_after_failure()
        raise error

    async def _give_up_after_failure(self) -> None:
        # A broken leader must not sit on the Lease for lease_duration: hand it over at once.
        self._stopping = True
        await self._stop_leading("the leader's work failed")
        await self._release_lease()

    async def _stop_leading(self, reason: str) -> None:
        """Step down. Idempotent. Fencing order: is_leader goes False, the leader's work is cancelled,
        then on_stopped_leading runs; all of that within the margin lease_duration - renew_deadline."""
        if not self._leading:
            return
        self._leading = False
        self.stats.lost += 1
        log.warning("leader election: stopped leading", lease=self.lease_ref, identity=self.identity, reason=reason)
        work, self._work = self._work, None
        if work is not None and not work.done():
            work.cancel()
            grace = (self.lease_duration - self.renew_deadline) * _UNWIND_SHARE
            finished = await self._wait_quietly(work, grace)
            if not finished:
                log.error("leader election: the leader's work did not stop within the fencing margin",
                          lease=self.lease_ref, waited=grace)
        if self.on_stopped_leading is not None:
            try:
                result = self.on_stopped_leading()
                if inspect.isawaitable(result):
                    await result
            except Exception:
                log.exception("leader election: on_stopped_leading failed")

    async def _wait_quietly(self, task: asyncio.Task[Any], seconds: float) -> bool:
        timer = asyncio.ensure_future(self._sleep(seconds))
        try:
            await asyncio.wait({task, timer}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            timer.cancel()
        if task.done() and not task.cancelled() and task.exception() is not None:
            log.warning("leader election: the leader's work ended with an error", error=repr(task.exception()))
        return task.done()

    async def _release_lease(self) -> None:
        """Clear holderIdentity if we still hold the Lease (a conditional PUT: never someone else's).
        Best effort and bounded: if it fails, the others wait for the lease to expire, as after a crash."""
        if self._observed_holder != self.identity:
            return
        try:
            await self._bounded(self._release_once(), self.renew_deadline)
        except (KubeError, LeaderElectionError, _Timeout) as exc:
            log.warning("leader election: could not release the lease; others wait for it to expire",
                        lease=self.lease_ref, error=str(exc) or "timed out")

    async def _release_once(self) -> None:
        async with self._lock:
            lease = await self._call("get", self.client.get(LEASES, self.namespace, self.name))
            spec = (lease or {}).get("spec") or {}
            if lease is None or spec.get("holderIdentity") != self.identity:
                return
            now = _micro_time(self._wall_clock())
            body = copy.deepcopy(lease)
            # client-go's release record: no holder, a 1s duration, the transitions count kept.
            body["spec"] = {**spec, "holderIdentity": None, "leaseDurationSeconds": 1,
                            "acquireTime": now, "renewTime": now}
            released = await self._call("update", self.client.replace(LEASES, self.namespace, self.name, body))
            self._observe(released)
            log.info("leader election: released the lease", lease=self.lease_ref, identity=self.identity)
