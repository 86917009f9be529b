"""Desired vs current → changes. Pure: no I/O, no clock.

Rules (external-dns's, with its holes closed):
- Records are compared per key (name, type, set identifier). Both sides arrive canonical (the
  provider normalises TTLs, alias properties and names), so equal data means no change.
- Only records we own are updated or deleted. Nothing is created at a name that holds a record
  owned by someone else or by nobody, with one exception that makes multi-cluster routing work:
  set-identified records (weighted, latency, failover…) may sit beside other owners'
  set-identified records of the same kind (never a CNAME beside another type).
- Keys the registry could not attribute safely (`blocked`) are never touched; keys whose
  ownership record it needs rewritten (`force_update`) are updated even when unchanged.
- When several resources want the same key, the one that already owns the record keeps it;
  otherwise the lexically smallest resource wins. Losers are reported, never silently dropped,
  and the choice is the same on every pass, so nothing flaps. Except: requests external-dns merges
  (`endpoint.MergeEndpoints` in each source; its PTR wrapper over all sources) share the record,
  their targets joined (`_mergeable`).
- Policies then limit the actions: sync (all), upsert-only (no deletes), create-only (creates).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from zonekeeper.changes import Action, Change
from zonekeeper.endpoint import OWNER_LABEL, RESOURCE_LABEL, Endpoint, Key, Problem

DEFAULT_MANAGED_TYPES = ("A", "AAAA", "CNAME")


class Policy(StrEnum):
    SYNC = "sync"
    UPSERT_ONLY = "upsert-only"
    CREATE_ONLY = "create-only"

    def allows(self, action: Action) -> bool:
        if self is Policy.SYNC:
            return True
        if self is Policy.UPSERT_ONLY:
            return action is not Action.DELETE
        return action is Action.CREATE


@dataclass(slots=True, frozen=True)
class PlanOptions:
    owner_id: str = ""  # "" (noop registry): every record counts as ours, as in external-dns
    policy: Policy = Policy.SYNC
    managed_types: tuple[str, ...] = DEFAULT_MANAGED_TYPES
    exclude_types: tuple[str, ...] = ()

    def manages(self, record_type: str) -> bool:
        return record_type in self.managed_types and record_type not in self.exclude_types

    @property
    def managed(self) -> tuple[str, ...]:
        """Every record type the plan manages."""
        return tuple(t for t in self.managed_types if self.manages(t))


@dataclass(slots=True)
class Plan:
    changes: list[Change] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Changes held back (the policy, the deletion guard, the load-balancer grace period), so
    # `zonekeeper plan` can say what sync would have done.
    withheld: list[Change] = field(default_factory=list)
    # Foreign records that kept a create away (one per blocked name and type): external-dns's
    # owner-mismatch gauge counts them.
    skipped: list[Endpoint] = field(default_factory=list)

    def count(self, action: Action) -> int:
        return sum(1 for c in self.changes if c.action is action)

    def withhold(self, held: Collection[Change]) -> None:
        """Hold back some of the plan's changes (the deletion guard, the load-balancer grace period)."""
        ids = {id(c) for c in held}
        self.changes = [c for c in self.changes if id(c) not in ids]
        self.withheld.extend(held)

    def add(self, change: Change, policy: Policy) -> None:
        """A change the plan wants: made, or withheld when the policy forbids it."""
        (self.changes if policy.allows(change.action) else self.withheld).append(change)


# Keys as (name, set identifier, type) tuples: the planner's loops run over every record of a zone,
# and tuples hash and sort much faster than Key objects.
_Slot = tuple[str, str, str]


def _slot(record: Endpoint) -> _Slot:
    return (record.name, record.set_identifier, record.type)


def _slots(keys: Iterable[Key]) -> set[_Slot]:
    return {(k.name, k.set_identifier, k.type) for k in keys}


def is_owned(record: Endpoint, owner_id: str) -> bool:
    """Whether the record is ours to update or delete (owner id "": the noop registry, every record)."""
    return owner_id == "" or record.owner == owner_id


def _describe_owner(record: Endpoint) -> str:
    owner = record.owner
    return f"owned by '{owner}'" if owner else "not owned by any zonekeeper/external-dns instance"


def _needs_update(current: Endpoint, desired: Endpoint, forced: bool) -> bool:
    """Whether an owned record must be rewritten to become `desired`: the steady-state rule."""
    if forced or not current.same_record(desired):
        return True
    # A new resource taking over an owned name: rewrite the TXT so ownership stays accurate.
    return bool(desired.resource) and current.resource != desired.resource


def _source_kind(endpoint: Endpoint) -> str:
    return endpoint.resource.partition("/")[0]


def _mergeable(other: Endpoint, winner: Endpoint) -> bool:
    """Whether external-dns would give `other`'s targets to `winner`'s record set: the same TTL, from
    the same source (any, for PTR: its wrapper runs over every source), never a CNAME (one target) or an
    alias (one target too; external-dns sees those as CNAMEs of different targets). zonekeeper also
    asks for the same properties, where external-dns silently keeps the first object's."""
    return (winner.type != "CNAME" and not winner.is_alias and not other.is_alias and other.ttl == winner.ttl
            and other.provider_specific == winner.provider_specific
            and (winner.type == "PTR" or _source_kind(other) == _source_kind(winner)))


def _resolve(
    candidates: list[Endpoint], current: Endpoint | None, problems: list[Problem]
) -> Endpoint:
    """Pick one candidate for a key, with the targets of those merged into it; report the others."""
    winner: Endpoint | None = None
    if current is not None and current.resource:
        winner = next((c for c in candidates if c.resource == current.resource), None)
    if winner is None:
        winner = min(candidates, key=lambda c: (c.resource, c.targets, c.ttl, c.provider_specific))
    merged = [winner, *(c for c in candidates if c is not winner and _mergeable(c, winner))]
    if len(merged) > 1:
        winner = winner.evolve(targets=tuple(sorted({t for c in merged for t in c.targets})))
    for loser in candidates:
        if not any(loser is m for m in merged) and not loser.same_record(winner):
            problems.append(
                Problem(
                    loser.subject,
                    "Conflict",
                    f"{loser.key} is also requested by {winner.resource or 'another object'}, "
                    f"which keeps it; this request is ignored",
                )
            )
    return winner


@dataclass(slots=True, frozen=True)
class _Zone:
    """One zone's side of the comparison, keyed by slot."""

    current: dict[_Slot, Endpoint]
    blocked: dict[_Slot, str]
    contested: Mapping[Key, str]
    forced: set[_Slot]


def calculate(
    current: Iterable[Endpoint],
    desired: Iterable[Endpoint],
    options: PlanOptions = PlanOptions(),
    blocked: Mapping[Key, str] | None = None,
    contested: Mapping[Key, str] | None = None,
    force_update: Collection[Key] = (),
) -> Plan:
    """Compute the changes that bring `current` (one zone, ownership labels set by the registry)
    to `desired` (endpoints for that zone, already adjusted by the provider).

    `contested` names the blocked keys we hold a claim on, with the subject to report them under:
    those are reported even when nothing asks for them any more, since they are not deleted.
    `force_update` names owned records to rewrite even when their data is unchanged."""
    plan = Plan()
    managed = set(options.managed_types) - set(options.exclude_types)
    zone = _Zone(
        current={(r.name, r.set_identifier, r.type): r for r in current if r.type in managed},
        blocked={(k.name, k.set_identifier, k.type): reason for k, reason in (blocked or {}).items()},
        contested=contested or {},
        forced=_slots(force_update),
    )
    candidates = _candidates(desired, managed, plan.problems)
    _plan_gone(plan, options, zone, candidates)
    _plan_wanted(plan, options, zone, candidates)
    # The loops run in hash order; give callers (and people reading plans) a stable one.
    plan.changes.sort(key=lambda c: _slot(c.endpoint))
    plan.withheld.sort(key=lambda c: _slot(c.endpoint))
    plan.problems.sort(key=lambda p: (p.subject, p.message))
    return plan


def _candidates(desired: Iterable[Endpoint], managed: Collection[str], problems: list[Problem]
                ) -> dict[_Slot, list[Endpoint]]:
    """The desired endpoints of the managed types by slot; a CNAME cannot share its name with other
    types, so address records win (external-dns rule) and the CNAME is reported."""
    candidates: dict[_Slot, list[Endpoint]] = {}
    cname_rows: set[tuple[str, str]] = set()
    other_rows: set[tuple[str, str]] = set()
    for endpoint in desired:
        if endpoint.type not in managed:
            continue
        key = (endpoint.name, endpoint.set_identifier, endpoint.type)  # _slot, inline: once per record
        found = candidates.get(key)
        if found is None:
            candidates[key] = [endpoint]
        else:
            found.append(endpoint)
        (cname_rows if endpoint.type == "CNAME" else other_rows).add((endpoint.name, endpoint.set_identifier))
    for name, set_id in cname_rows & other_rows:
        for loser in candidates.pop((name, set_id, "CNAME")):
            problems.append(
                Problem(
                    loser.subject,
                    "Conflict",
                    f"CNAME {name} conflicts with address records requested for the same name; "
                    "the CNAME is ignored",
                )
            )
    return candidates


def _plan_gone(plan: Plan, options: PlanOptions, zone: _Zone, candidates: Mapping[_Slot, list[Endpoint]]) -> None:
    """Records nobody asks for any more: only ours are deleted, the rest is none of our business."""
    for key, record in zone.current.items():
        if key in candidates:
            continue
        reason = zone.blocked.get(key)
        if reason is not None:
            subject = zone.contested.get(record.key)
            if subject is not None:
                plan.problems.append(Problem(subject, "OwnershipUnclear", f"{record.key}: {reason}"))
            continue
        if is_owned(record, options.owner_id):
            plan.add(Change.delete(record), options.policy)


def _plan_wanted(plan: Plan, options: PlanOptions, zone: _Zone, candidates: Mapping[_Slot, list[Endpoint]]) -> None:
    """Records someone asks for: created, updated, or reported when they may not be."""
    # Creates must look at everything else at the name; gather that only for those names.
    new_names = {key[0] for key in candidates if key not in zone.current}
    at_name: dict[str, list[Endpoint]] = {}
    if new_names:
        for record in zone.current.values():
            if record.name in new_names:
                at_name.setdefault(record.name, []).append(record)

    for key, wanted in candidates.items():
        current = zone.current.get(key)
        desired = wanted[0] if len(wanted) == 1 else _resolve(wanted, current, plan.problems)
        reason = zone.blocked.get(key)
        if reason is not None:
            subject = desired.subject
            plan.problems.append(Problem(subject, "OwnershipUnclear", f"{desired.key}: {reason}"))
        elif current is None:
            _plan_create(plan, options, desired, at_name.get(desired.name, ()))
        else:
            _plan_update(plan, options, current, desired, key in zone.forced)


def _create_blocker(desired: Endpoint, at_name: Sequence[Endpoint], owner_id: str) -> Endpoint | None:
    """The foreign record that forbids creating `desired`, if any.

    Records with set identifiers (weighted, latency, failover… one per cluster) may share a name
    with other owners' set-identified records; that is how several clusters serve one name. Anything
    else at the name that is not ours blocks: a plain record, or a CNAME beside another type.
    """
    for record in sorted(at_name, key=lambda r: (r.set_identifier, r.type)):
        if is_owned(record, owner_id):
            continue
        if record.set_identifier == desired.set_identifier:
            return record
        if not desired.set_identifier or not record.set_identifier:
            return record
        if (record.type == "CNAME") != (desired.type == "CNAME"):
            return record
    return None


def _plan_create(plan: Plan, options: PlanOptions, desired: Endpoint, at_name: Sequence[Endpoint]) -> None:
    owner_id = options.owner_id
    blocker = _create_blocker(desired, at_name, owner_id)
    if blocker is not None:
        plan.skipped.append(blocker)
        plan.problems.append(
            Problem(
                desired.subject,
                "OwnedByOther",
                f"cannot create {desired.key}: {blocker.name} already has a {blocker.type} record"
                f"{' [' + blocker.set_identifier + ']' if blocker.set_identifier else ''} "
                f"{_describe_owner(blocker)}",
            )
        )
        return
    plan.add(Change.create(desired.with_labels(**{OWNER_LABEL: owner_id or None})), options.policy)


def _plan_update(plan: Plan, options: PlanOptions, current: Endpoint, desired: Endpoint, forced: bool) -> None:
    owner_id = options.owner_id
    if not is_owned(current, owner_id):
        plan.problems.append(
            Problem(desired.subject, "OwnedByOther",
                    f"cannot update {desired.key}: the record is {_describe_owner(current)}")
        )
        return
    if not _needs_update(current, desired, forced):
        return
    labels = {OWNER_LABEL: owner_id or current.owner or None,
              RESOURCE_LABEL: desired.resource or current.resource or None}
    plan.add(Change.update(current, desired.with_labels(**labels)), options.policy)
