"""Desired vs current → changes. Pure: no I/O, no clock.

Rules (external-dns's, with its holes closed):
- Records are compared per key (name, type, set identifier). Both sides arrive canonical (the
  provider normalises TTLs, alias properties and names), so equal data means no change.
- Only records we own are updated or deleted. Nothing is created at a name that holds a record
  owned by someone else or by nobody, with one exception that makes multi-cluster routing work:
  set-identified records (weighted, latency, failover…) may sit beside other owners'
  set-identified records of the same kind (never a CNAME beside another type).
- Keys the registry could not attribute safely (`blocked`) are never touched.
- When several resources want the same key, the one that already owns the record keeps it;
  otherwise the lexically smallest resource wins. Losers are reported, never silently dropped,
  and the choice is the same on every pass, so nothing flaps.
- Policies then limit the actions: sync (all), upsert-only (no deletes), create-only (creates).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from zonekeeper.changes import Action, Change
from zonekeeper.endpoint import OWNER_LABEL, RESOURCE_LABEL, Endpoint, Key, Problem

# A current record carrying this internal label is rewritten even when its data is unchanged: the
# registry sets it when the record's ownership TXT is missing or in a legacy format.
FORCE_UPDATE_LABEL = "force-update"

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


@dataclass(slots=True)
class Plan:
    changes: list[Change] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Changes the policy held back, so `zonekeeper plan` can say what sync would have done.
    withheld: list[Change] = field(default_factory=list)

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    def count(self, action: Action) -> int:
        return sum(1 for c in self.changes if c.action is action)


def _owned(record: Endpoint, owner_id: str) -> bool:
    return owner_id == "" or record.label(OWNER_LABEL) == owner_id


def _describe_owner(record: Endpoint) -> str:
    owner = record.label(OWNER_LABEL)
    return f"owned by '{owner}'" if owner else "not owned by any zonekeeper/external-dns instance"


def _differs(current: Endpoint, desired: Endpoint) -> bool:
    if not current.same_record(desired):
        return True
    if current.label(FORCE_UPDATE_LABEL):
        return True
    # A new resource taking over an owned name: rewrite the TXT so ownership stays accurate.
    return bool(desired.resource) and current.resource != desired.resource


def _expected_labels(desired: Endpoint, owner_id: str) -> tuple[tuple[str, str], ...]:
    """The labels an unchanged owned record carries: the desired ones plus our owner id."""
    if not owner_id:
        return desired.labels
    return tuple(sorted((*desired.labels, (OWNER_LABEL, owner_id))))


def _resolve(
    candidates: list[Endpoint], current: Endpoint | None, problems: list[Problem]
) -> Endpoint:
    """Pick one candidate for a key; report the others."""
    winner: Endpoint | None = None
    if current is not None and current.resource:
        winner = next((c for c in candidates if c.resource == current.resource), None)
    if winner is None:
        winner = min(candidates, key=lambda c: (c.resource, c.targets, c.ttl, c.provider_specific))
    for loser in candidates:
        if loser is not winner and not loser.same_record(winner):
            problems.append(
                Problem(
                    loser.resource or str(loser.key),
                    "Conflict",
                    f"{loser.key} is also requested by {winner.resource or 'another object'}, "
                    f"which keeps it; this request is ignored",
                )
            )
    return winner


def calculate(
    current: Iterable[Endpoint],
    desired: Iterable[Endpoint],
    options: PlanOptions = PlanOptions(),
    blocked: Mapping[Key, str] | None = None,
    contested: Mapping[Key, str] | None = None,
) -> Plan:
    """Compute the changes that bring `current` (one zone, ownership labels set by the registry)
    to `desired` (endpoints for that zone, already adjusted by the provider).

    `contested` names the blocked keys we hold a claim on, with the subject to report them under:
    those are reported even when nothing asks for them any more, since they are not deleted."""
    plan = Plan()
    managed = set(options.managed_types) - set(options.exclude_types)
    # Keys are (name, set identifier, type) tuples: this loop runs over every record of a zone,
    # and tuples hash and sort much faster than Key objects.
    blocked_keys = {(k.name, k.set_identifier, k.type): reason for k, reason in (blocked or {}).items()}

    current_by_key: dict[tuple[str, str, str], Endpoint] = {
        (record.name, record.set_identifier, record.type): record for record in current if record.type in managed
    }

    candidates: dict[tuple[str, str, str], list[Endpoint]] = {}
    cname_rows: set[tuple[str, str]] = set()
    other_rows: set[tuple[str, str]] = set()
    for endpoint in desired:
        if endpoint.type not in managed:
            continue
        key = (endpoint.name, endpoint.set_identifier, endpoint.type)
        found = candidates.get(key)
        if found is None:
            candidates[key] = [endpoint]
        else:
            found.append(endpoint)
        (cname_rows if endpoint.type == "CNAME" else other_rows).add((endpoint.name, endpoint.set_identifier))

    # A CNAME cannot share its name with other types: address records win (external-dns rule).
    for name, set_id in cname_rows & other_rows:
        for loser in candidates.pop((name, set_id, "CNAME")):
            plan.problems.append(
                Problem(
                    loser.resource or str(loser.key),
                    "Conflict",
                    f"CNAME {name} conflicts with address records requested for the same name; "
                    "the CNAME is ignored",
                )
            )

    owner_id = options.owner_id
    # Records nobody asks for any more: only ours are deleted, the rest is none of our business.
    for key, record in current_by_key.items():
        if key in candidates:
            continue
        if key in blocked_keys:
            subject = (contested or {}).get(record.key)
            if subject is not None:
                plan.problems.append(Problem(subject, "OwnershipUnclear", f"{record.key}: {blocked_keys[key]}"))
            continue
        if owner_id == "" or record.label(OWNER_LABEL) == owner_id:
            _plan_key(plan, options, record, None, {})

    # Creates must look at everything else at the name; gather that only for those names.
    new_names = {key[0] for key in candidates if key not in current_by_key}
    at_name: dict[str, list[Endpoint]] = {}
    if new_names:
        for record in current_by_key.values():
            if record.name in new_names:
                at_name.setdefault(record.name, []).append(record)

    for key, wanted in candidates.items():
        current_record = current_by_key.get(key)
        desired_record = wanted[0] if len(wanted) == 1 else _resolve(wanted, current_record, plan.problems)
        reason = blocked_keys.get(key)
        if reason is not None:
            subject = desired_record.resource or str(desired_record.key)
            plan.problems.append(Problem(subject, "OwnershipUnclear", f"{desired_record.key}: {reason}"))
            continue
        # The steady state of most keys; checked inline because it runs for every record.
        if (current_record is not None and current_record.targets == desired_record.targets
                and current_record.ttl == desired_record.ttl
                and current_record.provider_specific == desired_record.provider_specific
                and current_record.labels == _expected_labels(desired_record, owner_id)):
            continue
        _plan_key(plan, options, current_record, desired_record, at_name)

    # The loop above runs in hash order; give callers (and people reading plans) a stable one.
    plan.changes.sort(key=lambda c: (c.endpoint.name, c.endpoint.set_identifier, c.endpoint.type))
    plan.withheld.sort(key=lambda c: (c.endpoint.name, c.endpoint.set_identifier, c.endpoint.type))
    plan.problems.sort(key=lambda p: (p.subject, p.message))
    return plan


def _create_blocker(desired: Endpoint, at_name: Sequence[Endpoint], owner_id: str) -> Endpoint | None:
    """The foreign record that forbids creating `desired`, if any.

    Records with set identifiers (weighted, latency, failover… one per cluster) may share a name
    with other owners' set-identified records; that is how several clusters serve one name. Anything
    else at the name that is not ours blocks: a plain record, or a CNAME beside another type.
    """
    for record in sorted(at_name, key=lambda r: (r.set_identifier, r.type)):
        if _owned(record, owner_id):
            continue
        if record.set_identifier == desired.set_identifier:
            return record
        if not desired.set_identifier or not record.set_identifier:
            return record
        if (record.type == "CNAME") != (desired.type == "CNAME"):
            return record
    return None


def _plan_key(
    plan: Plan,
    options: PlanOptions,
    current: Endpoint | None,
    desired: Endpoint | None,
    at_name: Mapping[str, Sequence[Endpoint]],
) -> None:
    owner_id = options.owner_id
    key = (desired or current).key  # type: ignore[union-attr]
    subject = desired.resource if desired is not None and desired.resource else str(key)

    change: Change | None = None
    if current is None and desired is not None:
        blocker = _create_blocker(desired, at_name.get(desired.name, ()), owner_id)
        if blocker is not None:
            plan.problems.append(
                Problem(
                    subject,
                    "OwnedByOther",
                    f"cannot create {key}: {blocker.name} already has a {blocker.type} record"
                    f"{' [' + blocker.set_identifier + ']' if blocker.set_identifier else ''} "
                    f"{_describe_owner(blocker)}",
                )
            )
            return
        change = Change.create(desired.with_labels(**{OWNER_LABEL: owner_id or None}))
    elif current is not None and desired is None:
        if _owned(current, owner_id):
            change = Change.delete(current)
    elif current is not None and desired is not None:
        if not _owned(current, owner_id):
            plan.problems.append(
                Problem(subject, "OwnedByOther",
                        f"cannot update {key}: the record is {_describe_owner(current)}")
            )
            return
        if _differs(current, desired):
            labels = {OWNER_LABEL: owner_id or current.label(OWNER_LABEL) or None,
                      RESOURCE_LABEL: desired.resource or current.resource or None}
            change = Change.update(current, desired.with_labels(**labels))

    if change is None:
        return
    if options.policy.allows(change.action):
        plan.changes.append(change)
    else:
        plan.withheld.append(change)
