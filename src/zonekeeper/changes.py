"""What a plan produces and a provider applies."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum

from zonekeeper.endpoint import Endpoint, Key


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


@dataclass(slots=True, frozen=True)
class Change:
    """One record-set change. `old` is the record exactly as it exists now (update, delete);
    `new` is what it should become (create, update)."""

    action: Action
    new: Endpoint | None = None
    old: Endpoint | None = None

    @classmethod
    def create(cls, new: Endpoint) -> Change:
        return cls(Action.CREATE, new=new)

    @classmethod
    def update(cls, old: Endpoint, new: Endpoint) -> Change:
        return cls(Action.UPDATE, new=new, old=old)

    @classmethod
    def delete(cls, old: Endpoint) -> Change:
        return cls(Action.DELETE, old=old)

    @property
    def endpoint(self) -> Endpoint:
        """The record the change is about: the new one, or the old one for a delete."""
        ep = self.new if self.new is not None else self.old
        assert ep is not None
        return ep

    @property
    def key(self) -> Key:
        return self.endpoint.key

    def __str__(self) -> str:
        return f"{self.action.value} {self.endpoint}"


@dataclass(slots=True)
class ChangeGroup:
    """Changes that must reach the provider in the same request: the changes at one DNS name
    together with their ownership TXT records, so a record never exists without its TXT (and a
    CNAME-to-alias swap is never half done)."""

    name: str
    changes: list[Change] = field(default_factory=list)
    # The record changes of the group (without registry TXT companions), for reporting.
    records: list[Change] = field(default_factory=list)

    def __iter__(self) -> Iterator[Change]:
        return iter(self.changes)

    def __len__(self) -> int:
        return len(self.changes)


def action_order(change: Change) -> int:
    """Deletes first, then updates, then creates: the order Route 53 needs inside one request."""
    return _ACTION_ORDER[change.action]


_ACTION_ORDER = {Action.DELETE: 0, Action.UPDATE: 1, Action.CREATE: 2}


def group_by_name(changes: Iterable[Change]) -> list[ChangeGroup]:
    """Group changes by DNS name, deletes first inside each group (Route 53 evaluates a batch in
    order, so a CNAME must go before an A record at the same name is created)."""
    groups: dict[str, ChangeGroup] = {}
    for change in changes:
        group = groups.setdefault(change.endpoint.name, ChangeGroup(change.endpoint.name))
        group.changes.append(change)
        group.records.append(change)
    for group in groups.values():
        group.changes.sort(key=action_order)
        group.records.sort(key=action_order)
    return [groups[name] for name in sorted(groups)]
