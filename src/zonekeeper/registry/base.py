"""The registry interface: who owns which record of a zone, and how ownership travels with changes.

One protocol, several implementations, one file each: `txt` (ownership in TXT records beside the
records, as external-dns keeps it) and `noop` (no ownership at all). The pipeline sees only this
module: a registry's own bookkeeping (the TXT records it read, legacy formats…) stays inside it.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from zonekeeper.changes import Change
from zonekeeper.endpoint import Endpoint, Key, Problem
from zonekeeper.providers.base import ApplyResult, Zone


@dataclass(slots=True, frozen=True)
class ZoneState:
    """What a registry learnt about one zone."""

    zone: Zone
    # The zone's records, each labelled with its owner and resource when the registry knows them.
    records: list[Endpoint] = field(default_factory=list)
    # Records the registry cannot attribute safely, with the reason: never touched.
    blocked: dict[Key, str] = field(default_factory=dict)
    # The blocked records we hold a claim on, with the subject (our claim's resource) to report under.
    contested: dict[Key, str] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    # Records of ours to rewrite even when their data is unchanged: the registry's own record of
    # their ownership is out of date (a legacy TXT format, for one).
    force_update: frozenset[Key] = frozenset()
    # Records this instance owns here (what the deletion guard weighs deletes against).
    owned_count: int = 0
    # The registry's own bookkeeping among `records` (ownership TXTs): there so that nothing is
    # created over them, but not records in external-dns's sense (its registry hides them).
    ownership: frozenset[Key] = frozenset()


class _Reading(Protocol):
    @property
    def state(self) -> ZoneState: ...


R = TypeVar("R", bound=_Reading)


def reading_of(state: ZoneState, *readings: R | None) -> R:
    """The registry's reading `state` came from, among its last reading of the zone and its last full
    one (a full pass lets event passes on other names run between its read and its apply). Changes
    planned against any other reading would write ownership from the wrong TXT records or items."""
    for reading in readings:
        if reading is not None and reading.state is state:
            return reading
    raise ValueError(f"{state.zone}: changes must be planned against this registry's last reading of the zone")


class Registry(Protocol):
    # The owner id the planner compares ownership labels with ("": every record counts as ours).
    owner_id: str

    def records(self, zone: Zone, names: Collection[str] | None = None) -> ZoneState:
        """The zone's records with ownership. With `names`, only what concerns those names (an
        incremental pass must not read the ownership of a whole zone)."""
        ...

    def check_desired(self, zone: Zone, endpoints: Sequence[Endpoint]) -> tuple[list[Endpoint], list[Problem]]:
        """The endpoints whose ownership the registry can record; the others become Problems."""
        ...

    def apply(self, state: ZoneState, changes: Sequence[Change]) -> ApplyResult:
        """Apply record changes planned against `state` (the last `records` of that zone, or its last
        full reading: a full pass lets event passes on other names run between its read and its apply),
        with whatever the registry writes to keep ownership beside them."""
        ...
