"""The live controller: watches → per-object endpoints → incremental plans → Route 53.

A change to one object recomputes that object's endpoints (and those of the objects that depend
on it, such as the Gateways selecting a Service) and plans only the DNS names it touches; changes
arriving within the batch window go together, and a pass triggered by changes starts no sooner than
`--min-event-sync-interval` after the last pass started (external-dns's meaning: the first sync is
immediate; the interval only spaces event-triggered runs). A periodic full pass re-plans everything from
caches (no API calls); the Route 53 record cache expires after `--aws-records-cache-duration` and is
listed again, which catches changes made behind our back. A full pass whose inputs (object recomputes,
record cache generations, term, configuration) are unchanged since a pass that left nothing to do
plans nothing: an idle controller only lets its record cache expire and re-list. Changes that arrive
while a full pass runs (seconds, at 100,000 records) go out between its zones, as event passes in the
same provider thread and term; the full pass then leaves those names alone, since it planned them from
older objects.

Only the leader writes to DNS, and a provider-level fence re-checks leadership right before every
Route 53 request: a write goes out only while the lease is certainly ours in the term the pass
started in, for the whole request. On becoming leader (again) the record cache is dropped before the
first write: another replica may have written meanwhile. Names Route 53 refused as changed behind our
back are read again by the provider and planned again at once. Until every watch has listed once,
deletes are held back: an empty cache must never look like "everything was deleted".
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Collection, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from zonekeeper import connectorfeed, guard, heap, lbgrace, lbresolve, logs, sweep
from zonekeeper.changes import Change
from zonekeeper.endpoint import Endpoint, Problem, by_resource
from zonekeeper.health import Vitals
from zonekeeper.kube import dnsstatus
from zonekeeper.kube.eventtext import change_event
from zonekeeper.kube.status import StatusUpdate, StatusWriter
from zonekeeper.manifests import deletions_unsafe
from zonekeeper.metrics import CONFLICT_REASONS, NULL_METRICS, MetricsSink, sync_succeeded
from zonekeeper.outputs import ObjectKey, Outputs
from zonekeeper.pipeline import PassResult, ZoneOutcome
from zonekeeper.providers.base import ProviderError
from zonekeeper.sources import SourceSpec, fake_generator, run_generated, run_one, specs_for
from zonekeeper.sources.base import SourceResult
from zonekeeper.sources.gateway_routes import admitted_parent_refs
from zonekeeper.sources.objects import (
    DNSENDPOINTS,
    INGRESSES,
    SERVICES,
    Obj,
    ObjectView,
    name_of,
    namespace_of,
    parse_resource_label,
    resource_label,
)
from zonekeeper.wiring import Wiring

log = logging.getLogger("zonekeeper.controller")
# What happened to DNS is logged as key-values (one JSON object per line with --log-format=json).
slog = logs.get("zonekeeper.controller")


# How often a periodic full pass also starts the safety net: every object's endpoints recomputed
# from the cache, beside the passes, in slices of AUDIT_SLICE objects (about 12 ms each) at most
# AUDIT_RATE objects a second. Recomputing 100,000 Services costs ~6 s of CPU: at most every 10
# minutes that was 1 % of a core for an idle controller; at 40 a second it is ~0.25 %, and a sweep of
# 100,000 takes 42 minutes (10,000: 4 minutes, rerun every 10).
RECOMPUTE_ALL_EVERY = 600.0
AUDIT_SLICE = 200
AUDIT_RATE = 40.0
RETRY_AFTER_ERROR = 5.0
# Changes arriving this soon after the first are planned together (a Deployment rollout is a burst).
BATCH_WINDOW = 0.2
# How long the provider's thread waits for the event loop to prepare an event pass inside a full pass
# (a busy loop answers in milliseconds; one that does not is stopping, and the full pass goes on alone).
ON_LOOP_TIMEOUT = 5.0

T = TypeVar("T")


def event_pass_at(now: float, last_pass: float | None, *, min_interval: float, batch: float, due: float) -> float:
    """When a pass triggered by a change at `now` may start: after the batch window, no sooner than
    `min_interval` after the last pass started (none yet: at once), and not after `due`, when a full
    pass or a grace period's end is due anyway (those are not spaced)."""
    start = now + batch
    if last_pass is not None:
        start = max(start, last_pass + min_interval)
    return min(start, max(due, now + batch))


@dataclass(slots=True, frozen=True)
class FullPassInputs:
    """Everything a full pass plans from, as version stamps: two equal ones plan the same thing."""

    outputs: int  # bumped whenever any object's endpoints were recomputed
    term: int  # the leadership term (a new term drops the record cache)
    pipeline: int  # the pipeline planning (rebuilt on a configuration reload)
    source_config: int  # the sources' configuration (resolved load balancer hostnames)
    zones: tuple[tuple[str, int], ...]  # (zone id, record cache generation) after expiry, drift check, re-list
    pending: bool  # dirty objects, names to plan again, grace-period holds, unsynced caches: never skip


def settled(result: PassResult) -> bool:
    """A full pass that left nothing to do: every zone read and planned, no change made, failed,
    held or withheld, and no problem to report again."""
    return (result.ok and result.census is not None and not result.all_problems
            and all(not z.plan.changes and not z.plan.withheld and z.guard is None for z in result.zones))


def can_skip_full_pass(previous: FullPassInputs | None, last: PassResult | None,
                       current: FullPassInputs | None) -> bool:
    """Whether a full pass may reuse the last one: its inputs are the same stamps and it settled
    (None: the inputs could not be read)."""
    return (previous is not None and last is not None and current is not None and not current.pending
            and previous == current and settled(last))


@dataclass(slots=True, frozen=True)
class PassWork:
    """One pass as the event loop prepared it for the provider's thread."""

    full: bool
    dirty: Mapping[ObjectKey, float]  # the objects recomputed for it, with the time of their first change
    touched: frozenset[str] | None  # the names an event pass plans (None: a full pass, every name)
    hold: bool  # not every watch has listed yet: deletes are held
    keep: Mapping[tuple[str, str], lbgrace.Hold]  # records kept while their load balancer is away
    term: int  # the leadership term it plans in (its writes are fenced by it)
    stale: bool  # a new term: the provider's record cache is dropped first
    pending: bool  # see FullPassInputs.pending
    started: float


def call_on_loop(loop: asyncio.AbstractEventLoop, fn: Callable[[], T], timeout: float) -> T | None:
    """Run `fn` on the event loop from another thread and wait for its result. None when the loop is
    closed or did not start it within `timeout`; then it never runs (it cannot half-happen)."""
    future: concurrent.futures.Future[T] = concurrent.futures.Future()

    def run() -> None:
        if not future.set_running_or_notify_cancel():
            return  # the caller gave up waiting
        try:
            future.set_result(fn())
        except BaseException as exc:
            future.set_exception(exc)

    try:
        loop.call_soon_threadsafe(run)
    except RuntimeError:
        return None
    try:
        return future.result(timeout)
    except TimeoutError:
        if future.cancel():
            return None
        return future.result()  # started just now: it finishes promptly (it is short and never awaits)


class Cache(ObjectView, Protocol):
    @property
    def synced(self) -> bool: ...


class Elector(Protocol):
    @property
    def is_leader(self) -> bool: ...

    @property
    def term(self) -> int: ...

    def write_budget(self, term: int) -> float: ...


@dataclass(slots=True)
class ControllerStats:
    latencies: deque[float] = field(default_factory=lambda: deque(maxlen=10_000))  # event → DNS, seconds


class Controller:
    def __init__(
        self,
        wiring: Wiring,
        cache: Cache,
        *,
        elector: Elector | None = None,
        recorder: Any = None,
        status: StatusWriter | None = None,
        accept: Callable[[Obj], bool] | None = None,
        debounce: float = BATCH_WINDOW,
        resync: float = 60.0,
        apply: bool = True,
        clock: Callable[[], float] = time.monotonic,
        metrics: MetricsSink = NULL_METRICS,
        pod_ref: Any = None,
        settle_heap: bool = False,
    ) -> None:
        """`settle_heap`: after a pass that computed everything from scratch, exempt what is alive from
        the garbage collector's rounds (zonekeeper.heap). It acts on the whole process, so only
        `zonekeeper run` sets it (live.serve(own_process=True)), never a controller embedded in another
        program or a test."""
        self.apply = apply
        self.wiring = wiring
        self.cache = cache
        self.elector = elector
        self.recorder = recorder
        self.status = status
        self.accept = accept
        self.min_interval = wiring.settings.controller.min_event_sync_interval
        # The batch window never exceeds the spacing asked for (--min-event-sync-interval=50ms: 50ms).
        self.debounce = min(debounce, self.min_interval)
        self._last_pass_at: float | None = None  # when the last pass started (spacing event passes)
        self.resync = resync
        self.clock = clock
        # Every enabled part of every source, by its id (`SourceSpec.id`): one per primary kind.
        self.specs: dict[str, SourceSpec] = {
            spec.id: spec for spec in specs_for(wiring.settings.source.sources, wiring.source_config)}
        # --source=fake: one generator for the life of the process, drawn once per full pass (as
        # external-dns draws once per sync); event passes never touch its names (it has no objects).
        self._fake = fake_generator(wiring.settings.source.sources, wiring.source_config)
        self._fake_out: list[Endpoint] = []
        # --source=connector: its server is read once per full pass, the last good read kept.
        self.connector = (connectorfeed.Feed(wiring.settings.source.connector_source_server)
                          if "connector" in wiring.settings.source.sources else None)
        self._connector_out = SourceResult()
        self.stats = ControllerStats()
        self.metrics = metrics
        # Liveness and readiness (/healthz, /readyz) read what the loop reports here.
        self.vitals = Vitals(clock)
        self._outputs = Outputs()
        self._dirty: dict[ObjectKey, float] = {}  # key → time of the first change not yet planned
        self._full_requested = True
        self._recompute_everything = True
        self._recomputed_at = 0.0
        self._wake = asyncio.Event()
        self._logged: dict[tuple[str, str], float] = {}
        # Objects whose load-balancer status emptied: their records are kept a while (zonekeeper.lbgrace).
        self._holds: dict[ObjectKey, lbgrace.Hold] = {}
        self._hold_due: dict[ObjectKey, float] = {}  # holds whose end a pass must still see
        self.grace = wiring.settings.controller.load_balancer_grace_period
        # external-dns's event types for record changes (--events-emit); empty: zonekeeper's own Events.
        self.events_emit = frozenset(wiring.settings.controller.events_emit)
        # The Pod this replica runs in (None outside a Pod): zone-wide Events, such as the deletion
        # guard tripping, are reported on it.
        self.pod_ref = pod_ref
        # One thread for every provider call: boto3 blocks, and Route 53 writes must not interleave.
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="zonekeeper-dns")
        # The leadership term the provider's cached records were read in, and the one the running pass
        # plans in: its writes stop if leadership is lost, even if it is regained before they go out.
        self._read_term = 0
        self._pass_term = 0
        self._preloaded_term: int | None = None  # the term the provider last read every zone ahead in
        self._replan: set[str] = set()  # names refused as stale and read again: plan them next
        # The last full pass and its inputs: an idle controller's full pass only refreshes the record
        # cache (expiry, drift checks, re-lists bump its generations) and plans nothing new.
        self._outputs_version = 0
        self._last_full: tuple[FullPassInputs, PassResult] | None = None
        # The sources' configuration; with --resolve-service-load-balancer-hostname its table of
        # resolved load balancer hostnames is refreshed before every pass (zonekeeper.lbresolve).
        self.source_config = wiring.source_config
        # A full pass's status updates still being told (zonekeeper.sweep).
        self._sweep: sweep.Sweep[ObjectKey] | None = None
        self.status_slice = sweep.SLICE
        # The safety net's sweep, while it runs (_start_audit).
        self._audit: sweep.Sweep[ObjectKey] | None = None
        self.audit_slice = AUDIT_SLICE
        self.audit_rate = AUDIT_RATE
        self.settle_heap = settle_heap
        self._heap_settled_at: float | None = None
        self._heap_grew = False  # everything was computed afresh since the heap was last settled
        if elector is not None:
            wiring.provider.fence = lambda: elector.write_budget(self._pass_term)

    # -- events from the informers ------------------------------------------------------------

    def on_change(self, kind: str, change: str, old: Obj | None, new: Obj | None) -> None:
        """Called by the informers for every change (on the event loop): mark what to recompute."""
        if change == "modified" and dnsstatus.status_only_change(kind, old, new):
            return  # our own status write, or a gateway controller's: no source reads those fields
        now = self.clock()
        for part, spec in self.specs.items():
            if kind not in spec.watched_kinds:
                continue
            keys: set[tuple[str, str]] = set()
            for obj in (old, new):
                if obj is not None:
                    keys.update(spec.dependents(kind, obj, self.cache))
            for ns, name in keys:
                self._dirty.setdefault((part, ns, name), now)
        self._wake.set()

    def request_full_pass(self) -> None:
        """A full pass from scratch (start, leadership gained): every object recomputed."""
        self._full_requested = True
        self._recompute_everything = True
        self._wake.set()

    # -- computing endpoints ------------------------------------------------------------------

    def _compute(self, spec: SourceSpec, obj: Obj) -> SourceResult:
        if self.accept is not None and not self.accept(obj):
            return SourceResult()
        return run_one(spec, obj, self.cache, self.source_config)

    def _compute_held(self, key: ObjectKey, spec: SourceSpec, obj: Obj) -> SourceResult:
        """`_compute`, keeping track of the names the object asks for without targets."""
        result = self._compute(spec, obj)
        placeholder = lbgrace.with_placeholder_address(
            spec.kind, obj, self.wiring.source_config.annotation_prefixes) if self.grace > 0 else None
        waiting = (lbgrace.waiting_names(result.endpoints, self._compute(spec, placeholder).endpoints)
                   if placeholder is not None else frozenset())
        resource = f"{spec.label_kind}/{key[1]}/{key[2]}"
        hold = lbgrace.hold_for(self._holds.get(key), resource=resource, waiting=waiting, now=self.clock(),
                                grace=self.grace)
        self._set_hold(key, hold)
        return result

    def _set_hold(self, key: ObjectKey, hold: lbgrace.Hold | None) -> None:
        previous = self._holds.pop(key, None)
        if hold is None:
            self._hold_due.pop(key, None)
            return
        self._holds[key] = hold
        if previous is None or previous.until != hold.until:
            self._hold_due[key] = hold.until

    def _wake_at(self, next_full: float) -> float:
        due = min(self._hold_due.values(), default=next_full)
        return min(next_full, due)

    def _holds_ended(self) -> None:
        """Plan the names of holds whose grace period just ended: their records go now."""
        now = self.clock()
        for key, until in list(self._hold_due.items()):
            if until <= now:
                del self._hold_due[key]
                self._dirty.setdefault(key, now)

    def _start_audit(self) -> None:
        """The safety net: every object's endpoints computed again, a slice at a time beside the passes
        (recomputing 100,000 at once held the event loop for seconds). An object whose endpoints differ
        from what its events left (an event missed, a dependency not tracked) is marked changed, for the
        next pass to recompute and plan; the outputs themselves are written by passes only."""
        self._recomputed_at = self.clock()
        keys: dict[ObjectKey, None] = dict.fromkeys(self._outputs)  # a vanished object is checked too
        for part, spec in self.specs.items():
            for obj in self.cache.list(spec.kind):
                keys.setdefault((part, namespace_of(obj), name_of(obj)))
        self._audit = sweep.visit_all(list(keys), self._audit_one, size=self.audit_slice,
                                      pause=self.audit_slice / self.audit_rate)

    def _audit_due(self) -> bool:
        """RECOMPUTE_ALL_EVERY since the last began, and the last is over (a long one is not cut short)."""
        running = self._audit is not None and not self._audit.task.done()
        return not running and self.clock() - self._recomputed_at >= RECOMPUTE_ALL_EVERY

    def _audit_one(self, key: ObjectKey) -> None:
        if key in self._dirty:
            return  # a pass recomputes it anyway
        part, ns, name = key
        spec = self.specs[part]
        obj = self.cache.get(spec.kind, ns, name)
        out = self._outputs.get(key)
        if obj is None and out is None:
            return
        if obj is not None and out is not None and self._compute(spec, obj) == out:
            return
        slog.debug("object changed without an event; recomputing it",
                   resource=resource_label(spec.label_kind, ns, name))
        self._dirty.setdefault(key, self.clock())
        self._wake.set()

    def _recompute_all(self) -> None:
        self._outputs_version += 1
        self._recompute_everything = False
        self._recomputed_at = self.clock()
        self._heap_grew = True
        outputs = Outputs()
        for part, spec in self.specs.items():
            for obj in self.cache.list(spec.kind):
                key = (part, namespace_of(obj), name_of(obj))
                outputs[key] = self._compute_held(key, spec, obj)
        self._outputs = outputs
        for key in [k for k in self._holds if k not in outputs]:
            self._set_hold(key, None)

    async def _resolve_hostnames(self, *, full: bool) -> None:
        """Look load balancer hostnames up (all on a full pass, new ones otherwise, as external-dns
        does at every sync); the Services using one whose addresses changed are recomputed."""
        self.source_config, changed = await lbresolve.refresh(self.source_config, self.cache, full=full)
        if not changed:
            return
        now = self.clock()
        for part, spec in self.specs.items():
            if spec.kind != SERVICES:
                continue
            for svc in self.cache.list(SERVICES):
                if lbresolve.hostnames_of(svc) & changed:
                    self._dirty.setdefault((part, namespace_of(svc), name_of(svc)), now)

    def _recompute(self, keys: Iterable[ObjectKey]) -> set[str]:
        """Recompute some objects; return every DNS name their old or new endpoints mention."""
        names: set[str] = set()
        for key in keys:
            self._outputs_version += 1
            part, ns, name = key
            spec = self.specs[part]
            old = self._outputs.pop(key, None)
            if old is not None:
                names.update(e.name for e in old.endpoints)
            held = self._holds.get(key)
            if held is not None:
                names.update(held.names)
            obj = self.cache.get(spec.kind, ns, name)
            if obj is None:
                self._set_hold(key, None)  # deleted outright: its records go at once
                continue
            result = self._compute_held(key, spec, obj)
            self._outputs[key] = result
            names.update(e.name for e in result.endpoints)
        return names

    def desired(self, names: Collection[str] | None = None) -> tuple[list[Endpoint], list[Problem]]:
        """Every desired endpoint (or those at `names`) and every source problem."""
        if names is None:
            endpoints = [e for out in self._outputs.values() for e in out.endpoints]
        else:
            endpoints = self._outputs.endpoints_at(names)
        problems = self._outputs.problems()
        endpoints.extend(e for e in self._fake_out if names is None or e.name in names)
        endpoints.extend(e for e in self._connector_out.endpoints if names is None or e.name in names)
        problems.extend(self._connector_out.problems)
        # Conflicts are resolved by resource, not by order; sorting keeps logs and plans stable.
        endpoints.sort(key=by_resource)
        return endpoints, list(dict.fromkeys(problems))

    # -- passes -------------------------------------------------------------------------------

    @property
    def is_leader(self) -> bool:
        return self.elector is None or self.elector.is_leader

    async def run_pass(self, *, full: bool) -> PassResult | None:
        """Recompute what changed (or everything) and, as the leader, reconcile DNS."""
        await self._resolve_hostnames(full=full)
        work = self._prepare(full=full)
        if work is None:
            return None
        if full:
            await self._draw_generated()
        loop = asyncio.get_running_loop()
        between: list[PassWork] = []  # event passes the full pass let run between its zones
        hook = self._between_zones(loop, work, between) if full else None
        result, inputs, skipped = await loop.run_in_executor(self._executor, self._reconcile, work, hook)
        if between:
            inputs = None  # planned from objects newer than it started with: not a pass to skip the next by
        return self._finish(work, result, inputs, skipped, between)

    def _prepare(self, *, full: bool, within: PassWork | None = None) -> PassWork | None:
        """On the event loop: take the changes so far and recompute their objects (or all of them).
        None: nothing to plan, or not ours to plan (a follower; leadership moved since `within` began)."""
        if within is not None and not (self.is_leader and self._term() == within.term):
            return None  # the changes wait, untaken, for a pass of the new term
        if full and not self._recompute_everything and self._audit_due():
            self._start_audit()
        dirty, self._dirty = self._dirty, {}
        replan, self._replan = self._replan, set()
        touched: frozenset[str] | None = None
        if full:
            # The informers keep every object's endpoints current through events: all of them are
            # recomputed at once only from scratch (start, leadership gained, after a failed pass).
            if self._recompute_everything:
                self._recompute_all()
            else:
                self._recompute(dirty)
        else:
            touched = frozenset(self._recompute(dirty) | replan)
            if not touched:
                return None
        if not self.is_leader:
            # A follower keeps its endpoints current so that a takeover starts from a full pass.
            self._full_requested = True
            self._recompute_everything = True
            return None
        hold = not self.cache.synced
        term = self._term()
        stale = term != self._read_term
        self._read_term = self._pass_term = term
        pending = bool(dirty or replan or hold or self._holds or self._hold_due or stale)
        return PassWork(full, dirty, touched, hold, lbgrace.kept(self._holds.values(), self.clock()), term,
                        stale, pending, self.clock())

    def _term(self) -> int:
        return self.elector.term if self.elector is not None else 0

    async def _draw_generated(self) -> None:
        """The sources without objects (fake, connector) are read once per full pass."""
        if self._fake is not None:
            self._fake_out = run_generated(self._fake.next_pass(), self.source_config).endpoints
            self._outputs_version += 1  # a new draw is new input: such a full pass always plans
        if self.connector is not None:
            before, self._connector_out = self._connector_out, await self.connector.refresh(self.source_config)
            if self._connector_out != before:
                self._outputs_version += 1

    def _reconcile(self, work: PassWork, between_zones: Callable[[], Collection[str]] | None
                   ) -> tuple[PassResult, FullPassInputs | None, bool]:
        """In the provider's thread (the only writer of the outputs, run_pass, is waiting for it, or
        for the event loop to finish `_prepare` for it): plan and apply one pass."""
        if work.stale:  # newly leader: what we cached may have been changed by the leader before us
            self.wiring.provider.invalidate()
        full = work.touched is None
        last = self._last_full
        if full and last is not None and can_skip_full_pass(
                last[0], last[1], self._full_inputs(work.term, work.pending, read=False)):
            # Only now read the records (expiry, drift check, re-list): a pass that runs anyway
            # must not read them twice (--aws-records-cache-duration=0 lists at every read).
            inputs = self._full_inputs(work.term, work.pending, read=True)
            if inputs is not None and can_skip_full_pass(last[0], last[1], inputs):
                return last[1], inputs, True
        desired, problems = self.desired(work.touched)
        # Not every source listed yet, or one could not be read at all: its records are unknown.
        # (Decided before an event pass keeps only its own objects' problems.)
        hold_deletes = work.hold or deletions_unsafe(problems)
        if not full:
            labels = _resource_labels(work.dirty, self.specs)
            problems = [p for p in problems if p.subject in labels]
        # Every zone done is progress: a long pass over many zones is not a stuck loop.
        result = self.wiring.pipeline.run(desired, apply=self.apply, source_problems=problems,
                                          only_names=work.touched, hold_deletes=hold_deletes,
                                          on_zone=lambda _: self.vitals.tick(), keep=work.keep,
                                          between_zones=between_zones)
        # The stamps as the pass left them: a settled pass changed no record.
        return result, self._full_inputs(work.term, work.pending, read=False) if full else None, False

    def _between_zones(self, loop: asyncio.AbstractEventLoop, outer: PassWork,
                       done: list[PassWork]) -> Callable[[], Collection[str]]:
        """The full pass's hook between zones (in the provider's thread): changes that arrived since
        it started go out now, as an event pass, instead of waiting for every zone (seconds at 100,000
        records). The provider thread stays the only writer; the event pass runs only in the term the
        full pass began in, and the full pass then leaves its names alone."""
        def between_zones() -> Collection[str]:
            # Resolving load balancer hostnames awaits the resolver: such event passes wait their turn.
            if not (self._dirty or self._replan) or self.source_config.resolved_hostnames is not None:
                return ()
            work = call_on_loop(loop, lambda: self._prepare(full=False, within=outer), ON_LOOP_TIMEOUT)
            if work is None or work.touched is None:
                return ()
            result, _, _ = self._reconcile(work, None)
            done.append(work)
            with contextlib.suppress(RuntimeError):  # the loop closed: the process is stopping
                loop.call_soon_threadsafe(self._finish, work, result, None, False, [])
            return work.touched
        return between_zones

    def _finish(self, work: PassWork, result: PassResult, inputs: FullPassInputs | None, skipped: bool,
                between: list[PassWork]) -> PassResult:
        """On the event loop: account for and report a pass."""
        if inputs is not None:
            self._last_full = (inputs, result)
        duration = self.clock() - work.started
        self.metrics.observe_pass(result, full=work.full, duration=duration)
        self._account(result, work.full, work.dirty)
        if skipped:
            # Nothing changed since a pass that settled: the same result, without planning or reporting it again.
            return result
        self._plan_again(result)
        # The objects of event passes run inside this one were reported by those passes, from newer plans.
        spared = {key for w in between for key in w.dirty}
        self._report(result, work.full, work.dirty, spared)
        if work.full:
            self._settle_heap()
        return result

    def _settle_heap(self) -> None:
        """After a from-scratch pass (start, leadership), at most every RECOMPUTE_ALL_EVERY: a pass
        failing every few seconds must not collect every few seconds."""
        now = self.clock()
        if not (self.settle_heap and self._heap_grew) or (
                self._heap_settled_at is not None and now - self._heap_settled_at < RECOMPUTE_ALL_EVERY):
            return
        self._heap_grew, self._heap_settled_at = False, now
        seconds, exempt = heap.settle()
        slog.debug("heap settled", seconds=round(seconds, 3), objects_exempt=exempt)

    def _full_inputs(self, term: int, pending: bool, *, read: bool) -> FullPassInputs | None:
        """The stamps of a full pass's inputs (in the provider's thread). With `read`, the records are
        read first, which lets the record cache expire, drift-check and re-list on its own schedule;
        None when a zone could not be read, so that the pass runs and reports it."""
        provider = self.wiring.provider
        try:
            zones = provider.zones()
            if provider.zone_errors():
                return None
            stamps = []
            for zone in sorted(zones, key=lambda z: z.id):
                if read:
                    provider.records(zone)
                stamps.append((zone.id, provider.generation(zone)))
        except ProviderError:
            return None
        return FullPassInputs(self._outputs_version, term, id(self.wiring.pipeline), id(self.source_config),
                              tuple(stamps), pending)

    def _plan_again(self, result: PassResult) -> None:
        """Names the provider read again after Route 53 refused changes as stale go into the next pass,
        with the objects whose changes those were (so their status and Events follow)."""
        names = {n for z in result.zones if z.applied for n in z.applied.replan}
        if not names:
            return
        self._replan |= names
        by_label: dict[str, list[str]] = {}  # parts may share a label kind (one resource, two groups)
        for part, spec in self.specs.items():
            by_label.setdefault(spec.label_kind, []).append(part)
        now = self.clock()
        for zone in result.zones:
            for change, _ in zone.failed:
                kind, ns, name = parse_resource_label(change.endpoint.resource) or ("", "", "")
                for key in ((part, ns, name) for part in by_label.get(kind, ())):
                    if change.endpoint.name in names and key in self._outputs:
                        self._dirty.setdefault(key, now)
        self._wake.set()

    def _account(self, result: PassResult, full: bool, dirty: Mapping[ObjectKey, float]) -> None:
        # A pass that could not read the connector server is not a sync (as external-dns's failed Endpoints()).
        if full and sync_succeeded(result) and (self.connector is None or self.connector.error is None):
            self.vitals.synced()
        if dirty:
            now = self.clock()
            first_by_resource: dict[str, float] = {}
            for (part, ns, name), t in dirty.items():
                label = resource_label(self.specs[part].label_kind, ns, name)
                first_by_resource[label] = min(t, first_by_resource.get(label, t))
            for zone in result.zones:
                for change in zone.applied.applied if zone.applied else []:
                    t0 = first_by_resource.get(change.endpoint.resource)
                    if t0 is not None:
                        self.stats.latencies.append(now - t0)
                        self.metrics.observe_latency(now - t0)

    async def run(self) -> None:
        """Reconcile until cancelled."""
        next_full = self.clock()
        while True:
            self.vitals.tick()
            timeout = max(0.0, self._wake_at(next_full) - self.clock())
            try:
                async with asyncio.timeout(timeout):
                    await self._wake.wait()
                now = self.clock()
                start = event_pass_at(now, self._last_pass_at, min_interval=self.min_interval,
                                      batch=self.debounce, due=self._wake_at(next_full))
                await asyncio.sleep(start - now)
            except TimeoutError:
                pass
            self._wake.clear()
            self._holds_ended()
            full = self._full_requested or self.clock() >= next_full
            if full:
                if not self.cache.synced:
                    # Plan nothing half-known: wait for the first lists (deletes stay held anyway).
                    self._preload()
                    next_full = self.clock() + min(self.resync, 1.0)
                    continue
                self._full_requested = False
                next_full = self.clock() + self.resync
            self._last_pass_at = self.clock()
            try:
                result = await self.run_pass(full=full)
                if result is not None and (not result.listed_all or any(z.error for z in result.zones)):
                    # Route 53 unreachable or a zone unreadable: try again soon, not a whole interval later.
                    next_full = min(next_full, self.clock() + RETRY_AFTER_ERROR)
            except Exception:
                log.exception("reconcile pass failed; retrying with a full pass")
                self._full_requested = True
                self._recompute_everything = True
                next_full = self.clock() + RETRY_AFTER_ERROR

    def _preload(self) -> None:
        """The leader, while its informers still list: the provider reads every zone's records now, in
        its thread, rather than in the first full pass once they have listed (Route 53 serves 5
        requests/s per account: 200,000 records take over two minutes to list). Once per term."""
        term = self._term()
        if not self.is_leader or self._preloaded_term == term:
            return
        self._preloaded_term = self._read_term = term
        future = self._executor.submit(self.wiring.provider.preload)
        future.add_done_callback(_preloaded)

    def close(self) -> None:
        for running in (self._sweep, self._audit):
            if running is not None:
                running.cancel()
        self._executor.shutdown(wait=False, cancel_futures=True)

    # -- telling people -----------------------------------------------------------------------


    def _report(self, result: PassResult, full: bool, dirty: Mapping[ObjectKey, float],
                spared: Collection[ObjectKey] = ()) -> None:
        for error in result.pass_errors:
            slog.error("pass failed", error=error)
        failed_resources: dict[str, str] = {}
        for zone in result.zones:
            self._report_zone(zone, failed_resources)
        problem_resources = self._report_problems(result)
        self._update_status(full, dirty, failed_resources, problem_resources, result, spared)

    def _report_zone(self, zone: ZoneOutcome, failed_resources: dict[str, str]) -> None:
        """Log lines and Events for one zone's outcome; `failed_resources` gains the objects whose changes failed."""
        self._report_guard(zone)
        if zone.error:
            slog.error("zone failed", zone=zone.zone.name, zone_id=zone.zone.id, error=zone.error)
        if not self.apply:
            for change in zone.plan.changes:
                slog.info("would change", **change_fields(change, zone.zone.name))
        for change in zone.applied.applied if zone.applied else []:
            slog.info("changed", **change_fields(change, zone.zone.name))
            self._event_change(change, zone.zone.name, refused=None)
        replan = zone.applied.replan if zone.applied else set()
        for change, reason in zone.failed:
            ep = change.endpoint
            failed_resources[ep.resource] = reason
            if ep.name in replan:  # made against records changed behind our back: read again, planned again
                slog.info("change refused as stale; planning it again", **change_fields(change, zone.zone.name),
                          reason=reason)
                continue
            slog.warning("change refused", **change_fields(change, zone.zone.name), reason=reason)
            self._event_change(change, zone.zone.name, refused=reason)

    def _report_problems(self, result: PassResult) -> dict[str, Problem]:
        """Warn about each problem (the same one once an hour) and put it on its object; the first
        problem of each object, for its status."""
        problem_resources: dict[str, Problem] = {}
        now = self.clock()
        for problem in result.all_problems:
            said = (problem.subject, problem.message)
            if now - self._logged.get(said, -1e18) > 3600.0:  # the same warning once an hour, not every pass
                self._logged[said] = now
                if len(self._logged) > 50_000:  # forget what was said more than an hour ago
                    self._logged = {k: t for k, t in self._logged.items() if now - t <= 3600.0}
                slog.warning("problem", subject=problem.subject, reason=problem.reason, message=problem.message)
            problem_resources.setdefault(problem.subject, problem)
            reason = "OwnershipConflict" if problem.reason in CONFLICT_REASONS else problem.reason
            self._event(problem.subject, "Warning", reason, problem.message)
        return problem_resources

    def _report_guard(self, outcome: ZoneOutcome) -> None:
        """The deletion guard tripping or releasing: a log line, an Event on our Pod, /readyz."""
        decision = outcome.guard
        if decision is None:
            return
        zone = outcome.zone
        label = f"{zone.name} ({zone.id})"
        trip, held = decision.state.trip, len(decision.state.held)
        if trip is None:
            self.vitals.deletion_guard.pop(label, None)
        else:
            since = self.vitals.deletion_guard.get(label, (self.clock(), 0))[0]
            self.vitals.deletion_guard[label] = (since, held)
        if decision.tripped and trip is not None:
            message = guard.describe(zone.name, trip, self.wiring.pipeline.options.guard_limits)
            slog.error("deletion guard tripped", zone=zone.name, zone_id=zone.id, owned=trip.baseline,
                       deleted_in_window=trip.deleted, asked=trip.wanted, allowed=int(trip.limit), held=held)
            if self.recorder is not None and self.pod_ref is not None:
                self.recorder.record(self.pod_ref, "Warning", "DeletionGuardTripped", message)
        if decision.released:
            slog.warning("deletion guard released", zone=zone.name, zone_id=zone.id,
                         reason="a full pass found nothing left to delete")
            if self.recorder is not None and self.pod_ref is not None:
                self.recorder.record(self.pod_ref, "Normal", "DeletionGuardReleased",
                                     f"deletions in {zone.name} are no longer held: nothing is left to delete")

    def _event(self, subject: str, type_: str, reason: str, message: str) -> None:
        if self.recorder is None or subject.count("/") != 2:
            return
        ref = self._ref(subject)
        if ref is not None:
            self.recorder.record(ref, type_, reason, message)

    def _event_change(self, change: Change, zone_name: str, *, refused: str | None) -> None:
        """The Event about a record change applied or refused, in the vocabulary --events-emit chose."""
        if self.recorder is None:
            return
        text = change_event(change, zone_name, refused=refused, emit=self.events_emit)
        ref = self._ref(change.endpoint.resource)
        if text is not None and ref is not None:
            self.recorder.record(ref, text.type, text.reason, text.message)

    def _ref(self, label: str) -> Any:
        from zonekeeper.kube.events import ObjectRef

        if label.count("/") != 2:
            return None
        try:
            return ObjectRef.from_resource_label(label, lambda kind, ns, name: self.cache.get(kind, ns, name))
        except (ValueError, KeyError):
            return None

    def _update_status(self, full: bool, dirty: Mapping[ObjectKey, float], failed: Mapping[str, str],
                       problems: Mapping[str, Problem], result: PassResult,
                       spared: Collection[ObjectKey] = ()) -> None:
        """Each object this pass planned says in its status whether its records are in Route 53 (a full
        pass's many objects in slices, zonekeeper.sweep)."""
        if self.status is None or not result.listed_all:
            return  # the zones could not be listed: nothing was planned, nothing new to say
        # Changes the deletion guard held back leave their objects Pending. A zone that failed says
        # nothing about its objects: they keep what they said (10,000 objects must not flip to False and
        # back, a write each, because Route 53 was briefly unreachable).
        verdicts = _Verdicts(failed, problems,
                             frozenset(c.endpoint.resource for z in result.zones if z.guarded for c in z.plan.withheld),
                             tuple(z.zone.name for z in result.zones if z.error))
        if not full:
            if self._sweep is not None:
                self._sweep.done(dirty)
            for key in dirty:
                self._tell_status(self.status, key, verdicts)
            return
        if self._sweep is not None:
            self._sweep.cancel()  # this pass tells every object again, from a newer plan
        keys = [key for key in self._outputs if key not in spared]
        status = self.status
        self._sweep = sweep.visit_all(keys, lambda key: self._tell_status(status, key, verdicts),
                                           size=self.status_slice)

    def _tell_status(self, status: StatusWriter, key: ObjectKey, verdicts: _Verdicts) -> None:
        spec = self.specs[key[0]]
        if spec.kind not in STATUS_KINDS:
            return
        obj = self.cache.get(spec.kind, key[1], key[2])
        if obj is None:
            status.forget((spec.kind, key[1], key[2]))
            return
        label = resource_label(spec.label_kind, key[1], key[2])
        out = self._outputs.get(key)
        if out is not None and verdicts.failed_zones and _in_zones(out.endpoints, verdicts.failed_zones):
            return
        failed, problems = verdicts.failed, verdicts.problems
        ours = (out is not None and bool(out.endpoints or out.problems)) or label in failed or label in problems
        said = dnsstatus.outcome(label, failed, problems, pending=label in verdicts.pending,
                                 conflict_reasons=CONFLICT_REASONS) if ours or spec.kind == DNSENDPOINTS else None
        refs = tuple(admitted_parent_refs(obj, self.cache, self.source_config)) \
            if spec.kind in dnsstatus.ROUTE_KINDS else ()
        status.submit(obj, StatusUpdate(spec.kind, key[1], key[2], said, refs))


@dataclass(frozen=True, slots=True)
class _Verdicts:
    """What one pass found, for its objects' statuses: changes refused (by resource label), each
    object's first problem, objects whose changes the deletion guard held, zones that failed."""

    failed: Mapping[str, str]
    problems: Mapping[str, Problem]
    pending: frozenset[str]
    failed_zones: tuple[str, ...]


def _preloaded(future: concurrent.futures.Future[None]) -> None:
    # A zone that could not be read is read again, and reported, by the first full pass.
    error = None if future.cancelled() else future.exception()
    if isinstance(error, ProviderError):
        log.info("reading the zones ahead of the first pass failed: %s", error)
    elif error is not None:
        log.error("reading the zones ahead of the first pass failed", exc_info=error)


def _in_zones(endpoints: Iterable[Endpoint], zones: tuple[str, ...]) -> bool:
    return any(e.name == z or e.name.endswith("." + z) for e in endpoints for z in zones)


# The kinds whose status says whether their records are programmed (zonekeeper.kube.dnsstatus).
STATUS_KINDS = frozenset({SERVICES, INGRESSES, DNSENDPOINTS, *dnsstatus.ROUTE_KINDS})


def change_fields(change: Any, zone_name: str) -> dict[str, Any]:
    """The key-values of a change's log line (the same in the live controller and `run --from-file`)."""
    ep = change.endpoint
    return {"action": change.action.value, "zone": zone_name, "name": ep.name, "type": ep.type,
            "set_identifier": ep.set_identifier or None, "targets": list(ep.targets), "ttl": ep.ttl or None,
            "owner": ep.owner or None, "resource": ep.resource or None}


def _resource_labels(dirty: Mapping[ObjectKey, float], specs: Mapping[str, SourceSpec]) -> set[str]:
    labels: set[str] = set()
    for part, ns, name in dirty:
        labels.add(resource_label(specs[part].label_kind, ns, name))
    return labels

