"""One pass of the pipeline: desired endpoints → zones → plan → registry → provider.

Synchronous on purpose: the CLI calls it directly, the live controller runs it in a worker thread.
A failure in one zone is reported for that zone and the other zones proceed.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from zonekeeper import guard
from zonekeeper import plan as planner
from zonekeeper.census import Census, take
from zonekeeper.changes import Action, Change
from zonekeeper.domainfilter import DomainFilter
from zonekeeper.endpoint import HOSTED_ZONE_ID, Endpoint, Problem
from zonekeeper.lbgrace import TARGETS_PENDING, Hold
from zonekeeper.providers.base import ApplyResult, Provider, ProviderError, Zone
from zonekeeper.registry.base import Registry, ZoneState

__all__ = ["PassResult", "Pipeline", "PipelineOptions", "Registry", "ZoneOutcome", "assign_zones"]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class ZoneOutcome:
    zone: Zone
    plan: planner.Plan = field(default_factory=planner.Plan)
    applied: ApplyResult | None = None
    error: str | None = None
    owned_records: int = 0
    guarded: bool = False  # the deletion guard held this pass's deletes
    guard: guard.Decision | None = None  # the guard's verdict (None: no deletes were weighed)
    # The zone's records as the registry returned them, kept by full passes for the census.
    records: Sequence[Endpoint] = ()

    @property
    def failed(self) -> list[tuple[Change, str]]:
        return self.applied.failed if self.applied else []

    @property
    def owned_after(self) -> int:
        """The records we own once the changes this pass applied are counted (`owned_records`
        predates them)."""
        applied = self.applied.applied if self.applied else []
        created = sum(1 for c in applied if c.action is Action.CREATE)
        return max(0, self.owned_records + created - _deleted(applied))


def _deleted(changes: Iterable[Change]) -> int:
    return sum(1 for c in changes if c.action is Action.DELETE)


@dataclass(slots=True)
class PassResult:
    zones: list[ZoneOutcome] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    error: str | None = None  # the pass could not start (zones could not be listed)
    # Parts of the provider (AWS accounts) whose zones could not be listed; the other zones were planned.
    zone_errors: list[str] = field(default_factory=list)
    # A full pass that read every zone: what it saw, counted as external-dns counts it.
    census: Census | None = None

    @property
    def changes(self) -> list[tuple[Zone, Change]]:
        return [(z.zone, c) for z in self.zones for c in z.plan.changes]

    @property
    def all_problems(self) -> list[Problem]:
        return self.problems + [p for z in self.zones for p in z.plan.problems]

    @property
    def pass_errors(self) -> list[str]:
        """The errors not tied to one planned zone: the zone list, or an account's part of it."""
        return ([self.error] if self.error else []) + self.zone_errors

    @property
    def listed_all(self) -> bool:
        """Every managed zone was listed (so a zone missing from `zones` is no longer managed)."""
        return not self.pass_errors

    @property
    def ok(self) -> bool:
        return self.listed_all and all(z.error is None and not z.failed and not z.guarded for z in self.zones)


@dataclass(slots=True, frozen=True)
class PipelineOptions:
    plan: planner.PlanOptions = field(default_factory=planner.PlanOptions)
    domain_filter: DomainFilter = field(default_factory=DomainFilter)
    # Refuse a zone's deletes when they exceed this share of the records we own there (and more
    # than `max_delete_floor` records): an empty informer cache or a broken source must not wipe DNS.
    max_delete_fraction: float = 1.0
    max_delete_floor: int = 5
    # The sliding window over which deletions add up (zonekeeper.guard).
    max_delete_window: float = 3600.0

    @property
    def guard_limits(self) -> guard.GuardLimits:
        return guard.GuardLimits(self.max_delete_fraction, self.max_delete_floor, self.max_delete_window)


def assign_zones(
    endpoints: Iterable[Endpoint], zones: Sequence[Zone]
) -> tuple[dict[Zone, list[Endpoint]], list[Problem]]:
    """Each name goes to its longest-matching public zone and to every matching private zone;
    `aws/hosted-zone-id` pins a record to one zone."""
    by_id = {z.id: z for z in zones}
    by_name = _by_name(zones)
    out: dict[Zone, list[Endpoint]] = defaultdict(list)
    problems: list[Problem] = []
    for ep in endpoints:
        pin = ep.prop(HOSTED_ZONE_ID)
        targets = _pinned_zone(ep, pin, by_id) if pin else _matching_zones(ep.name, by_name)
        # --create-ptr asks a PTR for every address; one outside the reverse zones we manage is not ours
        # to name, and external-dns skips it without a word too.
        if not targets and (pin or ep.type != "PTR"):
            problems.append(_unassigned(ep, pin))
        for zone in targets:
            out[zone].append(ep)
    return out, problems


def _pinned_zone(ep: Endpoint, pin: str, by_id: Mapping[str, Zone]) -> list[Zone]:
    zone = by_id.get(pin.rsplit("/", 1)[-1])
    return [zone] if zone is not None and zone.contains(ep.name) else []


def _by_name(zones: Sequence[Zone]) -> dict[str, list[tuple[int, Zone]]]:
    by_name: dict[str, list[tuple[int, Zone]]] = {}
    for position, zone in enumerate(zones):
        by_name.setdefault(zone.name, []).append((position, zone))
    return by_name


def _matching_zones(name: str, by_name: Mapping[str, list[tuple[int, Zone]]]) -> list[Zone]:
    # The zones that contain `name` (Zone.contains) are those named by one of its suffixes at a dot:
    # a lookup per label rather than a test per zone (100,000 names x 10 zones took 0.2 s a pass).
    found = list(by_name.get(name, ()))
    dot = name.find(".")
    while dot >= 0:
        found.extend(by_name.get(name[dot + 1:], ()))
        dot = name.find(".", dot + 1)
    found.sort(key=lambda entry: entry[0])  # in the order the zones were given, as before
    matching = [zone for _, zone in found]
    public = [z for z in matching if not z.private]
    targets = [z for z in matching if z.private]
    if public:
        targets.append(max(public, key=lambda z: len(z.name)))
    return targets


def _unassigned(ep: Endpoint, pin: str | None) -> Problem:
    subject = ep.subject
    if pin:
        return Problem(subject, "ZoneNotManaged",
                       f"{ep.key}: hosted zone {pin} is not managed or does not contain the name")
    return Problem(subject, "NoMatchingZone", f"{ep.name} is not inside any managed hosted zone")


class Pipeline:
    def __init__(self, provider: Provider, registry: Registry, options: PipelineOptions = PipelineOptions(),
                 clock: Callable[[], float] = time.monotonic):
        self.provider = provider
        self.registry = registry
        self.options = options
        self.clock = clock
        self._owned: dict[str, int] = {}  # zone id -> records we own, from the last full pass
        self._guards: dict[str, guard.ZoneGuard] = {}  # zone id -> what the deletion guard remembers

    def run(
        self,
        desired: Sequence[Endpoint],
        *,
        apply: bool,
        source_problems: Sequence[Problem] = (),
        only_names: Collection[str] | None = None,
        hold_deletes: bool = False,
        on_zone: Callable[[ZoneOutcome], None] | None = None,
        keep: Mapping[tuple[str, str], Hold] | None = None,
        between_zones: Callable[[], Collection[str]] | None = None,
    ) -> PassResult:
        """Plan every managed zone (or only the names in `only_names`) and, with `apply`, apply.

        `hold_deletes` plans deletes but does not apply them (start-up, before every source synced).
        `keep` names records whose object lost its load-balancer address: their deletes are held
        (zonekeeper.lbgrace) while the grace period lasts. `between_zones` is called before every zone
        and once more, in a full pass, once the zone's records are read; it returns the names a pass run
        meanwhile planned from newer objects than `desired`: this pass leaves those names alone from
        then on (neither reverted nor deleted).
        """
        result = PassResult(problems=list(source_problems))
        try:
            zones = self.provider.zones()
        except ProviderError as exc:
            result.error = f"cannot list hosted zones: {exc}"
            return result
        result.zone_errors = self.provider.zone_errors()

        dfilter = self.options.domain_filter
        wanted = [ep for ep in desired if dfilter.matches(ep.name)]
        if only_names is not None:
            wanted = [ep for ep in wanted if ep.name in only_names]
        by_zone, problems = assign_zones(wanted, zones)
        result.problems.extend(problems)

        spared: set[str] = set()
        for zone in sorted(zones, key=lambda z: (z.name, z.id)):
            if only_names is not None and zone not in by_zone and not any(zone.contains(n) for n in only_names):
                continue
            if between_zones is not None:  # before the first zone too: planning everything took a while
                spared.update(between_zones())
            outcome = self._zone(zone, by_zone.get(zone, []), apply=apply, only_names=only_names,
                                 hold_deletes=hold_deletes, keep=keep or {}, spared=spared,
                                 between_zones=between_zones)
            result.zones.append(outcome)
            if on_zone is not None:
                on_zone(outcome)
        if only_names is None and all(z.error is None for z in result.zones):
            result.census = take(desired, [z.records for z in result.zones],
                                 skipped=[r for z in result.zones for r in z.plan.skipped],
                                 owner_id=self.options.plan.owner_id)
        return result

    def _zone(
        self,
        zone: Zone,
        desired: list[Endpoint],
        *,
        apply: bool,
        only_names: Collection[str] | None,
        hold_deletes: bool,
        keep: Mapping[tuple[str, str], Hold],
        spared: set[str],
        between_zones: Callable[[], Collection[str]] | None = None,
    ) -> ZoneOutcome:
        outcome = ZoneOutcome(zone)
        try:
            state = self.registry.records(zone, names=only_names)
            if between_zones is not None and only_names is None:
                # Reading a zone of 20,000 records takes about as long as planning it (a second on this
                # machine at 100,000 Services): changes that arrived meanwhile go out before its plan.
                spared.update(between_zones())
            if spared:
                desired = [ep for ep in desired if ep.name not in spared]
            adjusted, problems = self._desired(zone, desired)
            self._count_owned(outcome, state, full=only_names is None)
            if only_names is None:
                outcome.records = [r for r in state.records if r.key not in state.ownership]
            current = self._current(state, only_names)
            if spared:
                current = [r for r in current if r.name not in spared]
            outcome.plan = planner.calculate(current, adjusted, self.options.plan,
                                             state.blocked, state.contested, state.force_update)
            outcome.plan.problems[:0] = problems + state.problems
            _keep(outcome.plan, keep)
            self._guard(outcome, hold_deletes, only_names)
            if apply and outcome.plan.changes:
                self._apply(outcome, state)
        except ProviderError as exc:
            outcome.error = str(exc)
            log.warning("zone %s failed: %s", zone, exc)
        return outcome

    def _desired(self, zone: Zone, desired: Sequence[Endpoint]) -> tuple[list[Endpoint], list[Problem]]:
        """The zone's desired endpoints as the provider and the registry can serve them."""
        plan_options = self.options.plan
        adjusted, problems = self.provider.adjust(zone, [ep for ep in desired if plan_options.manages(ep.type)])
        adjusted = [ep for ep in adjusted if plan_options.manages(ep.type)]
        adjusted, more = self.registry.check_desired(zone, adjusted)
        return adjusted, problems + more

    def _current(self, state: ZoneState, only_names: Collection[str] | None) -> list[Endpoint]:
        dfilter = self.options.domain_filter
        current = [r for r in state.records if dfilter.matches(r.name)]
        if only_names is not None:
            current = [r for r in current if r.name in only_names]
        return current

    def _count_owned(self, outcome: ZoneOutcome, state: ZoneState, *, full: bool) -> None:
        # Ours only (the registry's count): the guard's share and the owned-records gauge must not
        # count other owners' records in a shared zone. An incremental pass reads only the touched
        # names; the deletion guard must weigh its deletes against everything we own in the zone,
        # as of the last full pass.
        zone_id = outcome.zone.id
        if full:
            self._owned[zone_id] = state.owned_count
        outcome.owned_records = max(state.owned_count, self._owned.get(zone_id, 0))

    def _apply(self, outcome: ZoneOutcome, state: ZoneState) -> None:
        zone_id = outcome.zone.id
        outcome.applied = self.registry.apply(state, outcome.plan.changes)
        self._guards[zone_id] = guard.record_deleted(self._guards.get(zone_id, guard.ZoneGuard()), self.clock(),
                                                     _deleted(outcome.applied.applied))
        self._owned[zone_id] = outcome.owned_after

    def _guard(self, outcome: ZoneOutcome, hold_deletes: bool, only_names: Collection[str] | None) -> None:
        plan = outcome.plan
        deletes = [c for c in plan.changes if c.action is Action.DELETE]
        if hold_deletes:
            # Start-up: not every source has listed yet; nothing is judged, nothing deleted.
            plan.withhold(deletes)
            return
        zone = outcome.zone
        previous = self._guards.get(zone.id, guard.ZoneGuard())
        if previous.trip is None and not deletes:
            return
        limits = self.options.guard_limits
        decision = guard.decide(previous, limits, self.clock(), outcome.owned_records,
                                [c.key for c in deletes], only_names)
        self._guards[zone.id] = decision.state
        outcome.guard = decision
        trip = decision.state.trip
        if decision.allow or trip is None or not deletes:
            return
        outcome.guarded = True
        plan.problems.append(Problem(f"zone/{zone.name}", "MassDeletionRefused",
                                     guard.describe(zone.name, trip, limits)))
        plan.withhold(deletes)

    def carry_guard(self, previous: Pipeline) -> None:
        """Take over what `previous` (the same configuration, rebuilt) remembers about deletions."""
        self._guards = previous._guards


def _keep(plan: planner.Plan, keep: Mapping[tuple[str, str], Hold]) -> None:
    """Hold the deletes of records whose object only lost its load-balancer address."""
    if not keep:
        return
    kept: list[Change] = []
    for change in plan.changes:
        if change.action is Action.DELETE and (change.endpoint.name, change.endpoint.resource) in keep:
            kept.append(change)
    plan.withhold(kept)
    for change in kept:
        ep = change.endpoint
        plan.problems.append(Problem(ep.resource, TARGETS_PENDING, keep[(ep.name, ep.resource)].describe(ep.key)))
