"""The noop registry: no ownership records at all (external-dns's `--registry=noop`)."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from zonekeeper.changes import Change, group_by_name
from zonekeeper.endpoint import Endpoint, Problem
from zonekeeper.providers.base import ApplyResult, Provider, Zone
from zonekeeper.registry.base import ZoneState


class NoopRegistry:
    """Every record in a managed zone counts as ours (owner id ""); with `--policy=sync` it deletes
    whatever is not desired."""

    owner_id = ""

    def __init__(self, provider: Provider) -> None:
        self.provider = provider

    def records(self, zone: Zone, names: Collection[str] | None = None) -> ZoneState:
        records = self.provider.records(zone)
        if names is not None:
            records = [r for r in records if r.name in names]
        # No ownership is recorded, so none is counted: the deletion guard has only its floor.
        return ZoneState(zone, records=records, owned_count=0)

    def check_desired(self, zone: Zone, endpoints: Sequence[Endpoint]) -> tuple[list[Endpoint], list[Problem]]:
        return list(endpoints), []

    def apply(self, state: ZoneState, changes: Sequence[Change]) -> ApplyResult:
        return self.provider.apply(state.zone, group_by_name(changes))
