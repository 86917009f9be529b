"""Cutting Route 53 changes into ChangeResourceRecordSets requests that AWS will accept. Pure.

A Route 53 request is atomic and limited (Route 53 quotas, "ChangeResourceRecordSets"):
  * at most 1,000 ResourceRecord elements, and
  * at most 32,000 characters summed over all Value elements,
where an UPSERT counts each element and each character twice (AWS replaces the old set and writes the
new one). On top of that external-dns caps the number of changes per request
(`--aws-batch-change-size`, default 1,000); we keep the same knob.

The caller hands us change *groups*: changes that must land in the same request, typically a record
and its ownership TXT, or all set-identifier siblings of a name. Splitting a group could leave a
record without its owner TXT (the next pass would then see a foreign record) or apply half a routing
policy, so groups are never split. A group that alone breaks a limit cannot be sent at all; it is
returned in `oversized` with the reason, for the caller to report, instead of costing a request AWS
is bound to reject and poisoning whichever batch it was packed into.

Groups are packed greedily in the order given (next-fit): the caller decides the order (for
instance deletes before creates), and keeping it means a batch never overtakes an earlier one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

# A change in boto3's shape: {"Action": "CREATE"|"DELETE"|"UPSERT", "ResourceRecordSet": {...}}.
Change = Mapping[str, Any]
ChangeGroup = Sequence[Change]

DEFAULT_MAX_CHANGES = 1000  # external-dns --aws-batch-change-size
DEFAULT_MAX_VALUES = 1000  # Route 53: ResourceRecord elements per request
DEFAULT_MAX_CHARS = 32000  # Route 53: characters in Value elements per request


@dataclass(slots=True, frozen=True)
class Limits:
    max_changes: int = DEFAULT_MAX_CHANGES
    max_values: int = DEFAULT_MAX_VALUES
    max_chars: int = DEFAULT_MAX_CHARS

    def __post_init__(self) -> None:
        for name in ("max_changes", "max_values", "max_chars"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")


@dataclass(slots=True, frozen=True)
class Size:
    """What a set of changes costs against each limit."""

    changes: int = 0
    values: int = 0
    chars: int = 0

    def __add__(self, other: Size) -> Size:
        return Size(self.changes + other.changes, self.values + other.values, self.chars + other.chars)

    def fits(self, limits: Limits) -> bool:
        return not self.exceeded(limits)

    def exceeded(self, limits: Limits) -> list[str]:
        """Human descriptions of each limit this size breaks (empty when it fits)."""
        broken = []
        if self.changes > limits.max_changes:
            broken.append(f"{self.changes} changes (at most {limits.max_changes} per request)")
        if self.values > limits.max_values:
            broken.append(
                f"{self.values} ResourceRecord values, UPSERT counted twice "
                f"(at most {limits.max_values} per request)"
            )
        if self.chars > limits.max_chars:
            broken.append(
                f"{self.chars} characters of values, UPSERT counted twice "
                f"(at most {limits.max_chars} per request)"
            )
        return broken


def _weight(change: Change) -> int:
    # Route 53 counts UPSERT twice: it deletes the old set and creates the new one.
    return 2 if str(change.get("Action", "")).upper() == "UPSERT" else 1


def _rrset(change: Change) -> Mapping[str, Any]:
    rrset = change.get("ResourceRecordSet")
    return rrset if isinstance(rrset, Mapping) else {}


def count_values(change: Change) -> int:
    """ResourceRecord elements the change costs. An alias has none in AWS's count but costs 1 here,
    as in external-dns: over-counting by one can only make a batch slightly smaller, never rejected."""
    rrset = _rrset(change)
    values = 1 if rrset.get("AliasTarget") else len(rrset.get("ResourceRecords") or ())
    return values * _weight(change)


def _text_size(text: object) -> int:
    # UTF-8 bytes, never fewer than characters: a value with non-ASCII text is never under-counted.
    return len(str(text).encode("utf-8"))


def count_chars(change: Change) -> int:
    """Characters of Value elements the change costs. An alias's DNSName is counted although AWS
    does not count it (external-dns does too); it is a few dozen characters against 32,000."""
    rrset = _rrset(change)
    alias = rrset.get("AliasTarget")
    if alias:
        chars = _text_size(alias.get("DNSName", "")) if isinstance(alias, Mapping) else 0
    else:
        chars = sum(_text_size(rr.get("Value", "")) for rr in rrset.get("ResourceRecords") or ())
    return chars * _weight(change)


def change_size(change: Change) -> Size:
    return Size(1, count_values(change), count_chars(change))


def group_size(group: ChangeGroup) -> Size:
    total = Size()
    for change in group:
        total += change_size(change)
    return total


def describe_change(change: Change) -> str:
    """`name TYPE [set-id]`, the way records are named in Problems."""
    rrset = _rrset(change)
    name = str(rrset.get("Name", "?")).rstrip(".")
    ident = rrset.get("SetIdentifier")
    suffix = f" [{ident}]" if ident else ""
    return f"{name} {rrset.get('Type', '?')}{suffix}"


@dataclass(slots=True, frozen=True)
class Batch:
    """One ChangeResourceRecordSets request: whole groups, in the order given."""

    groups: tuple[tuple[Change, ...], ...]
    size: Size

    @property
    def changes(self) -> list[Change]:
        """The flat change list to send as `ChangeBatch.Changes`."""
        return [change for group in self.groups for change in group]


@dataclass(slots=True, frozen=True)
class Oversized:
    """A group that cannot be sent in any single request."""

    group: tuple[Change, ...]
    size: Size
    reason: str


@dataclass(slots=True, frozen=True)
class BatchPlan:
    batches: list[Batch] = field(default_factory=list)
    oversized: list[Oversized] = field(default_factory=list)


def batch_changes(groups: Sequence[ChangeGroup], limits: Limits | None = None) -> BatchPlan:
    """Pack `groups` into as few requests as next-fit allows, without splitting or reordering any.

    Empty groups are dropped (a request needs at least one change). A group that alone exceeds a
    limit goes to `oversized`, not into a batch.
    """
    limits = limits or Limits()
    plan = BatchPlan()
    current: list[tuple[Change, ...]] = []
    current_size = Size()
    for group in groups:
        members = tuple(group)
        if not members:
            continue
        size = group_size(members)
        broken = size.exceeded(limits)
        if broken:
            names = ", ".join(sorted({describe_change(c) for c in members}))
            need = "; ".join(broken)
            reason = f"the {len(members)} change(s) for {names} must go in one request but need {need}"
            plan.oversized.append(Oversized(members, size, reason))
            continue
        if current and not (current_size + size).fits(limits):
            plan.batches.append(Batch(tuple(current), current_size))
            current, current_size = [], Size()
        current.append(members)
        current_size += size
    if current:
        plan.batches.append(Batch(tuple(current), current_size))
    return plan


G = TypeVar("G")


def bisect(groups: Sequence[G]) -> tuple[list[G], list[G]]:
    """Halve a rejected batch's groups (left gets the extra one) to search for the group that
    makes Route 53 answer InvalidChangeBatch. Both halves fit wherever the whole did.

    A single group cannot be split: the caller has found its culprit and must report it.
    """
    if len(groups) < 2:
        raise ValueError(f"cannot bisect {len(groups)} group(s); a single group is the culprit")
    middle = (len(groups) + 1) // 2
    return list(groups[:middle]), list(groups[middle:])
