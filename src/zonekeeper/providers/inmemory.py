"""An in-memory provider for demos and tests of everything above the provider.

It keeps Route 53's basic rules (CREATE of an existing record and DELETE of a record that does
not match are refused, a group is applied whole or not at all) so that bugs which real DNS would
reject are not hidden.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from zonekeeper.changes import Action, ChangeGroup
from zonekeeper.endpoint import Endpoint, Key, Problem, normalize_name
from zonekeeper.providers.base import NO_CALL_METRICS, NOT_LEADER, ApplyResult, CallMetrics, WriteFence, Zone

_KEEP_PROPERTIES = ("aws/weight", "aws/region", "aws/failover")


class InMemoryProvider:
    name = "inmemory"
    default_ttl = 300

    def __init__(self, zones: Iterable[str] = ()) -> None:
        self._zones = [Zone(id=f"/inmemory/{normalize_name(z)}", name=normalize_name(z)) for z in zones]
        self._records: dict[str, dict[Key, Endpoint]] = {z.id: {} for z in self._zones}
        self.requests = 0
        self.fence: WriteFence | None = None
        self.metrics: CallMetrics = NO_CALL_METRICS
        self._generation: dict[str, int] = {}

    def zones(self) -> list[Zone]:
        return list(self._zones)

    def zone_errors(self) -> list[str]:
        return []

    def records(self, zone: Zone) -> list[Endpoint]:
        self.requests += 1
        return sorted(self._records[zone.id].values(), key=lambda e: e.key)

    def generation(self, zone: Zone) -> int:
        return self._generation.get(zone.id, 0)

    def invalidate(self, zone: Zone | None = None) -> None:
        """Nothing is cached: the records live here."""

    def preload(self) -> None:
        """Nothing to read ahead: the records live here."""

    def adjust(self, zone: Zone, endpoints: Sequence[Endpoint]) -> tuple[list[Endpoint], list[Problem]]:
        out = []
        for ep in endpoints:
            props = {k: v for k, v in ep.provider_specific if k in _KEEP_PROPERTIES}
            out.append(ep.evolve(ttl=ep.ttl or self.default_ttl).with_provider_specific(props))
        return out, []

    def apply(self, zone: Zone, groups: Sequence[ChangeGroup]) -> ApplyResult:
        result = ApplyResult()
        store = self._records[zone.id]
        for group in groups:
            if self.fence is not None and self.fence() <= 0:
                result.failed.extend((c, NOT_LEADER) for c in group.records)
                continue
            self.requests += 1
            scratch = dict(store)
            error = None
            for change in group.changes:
                error = _apply_one(zone, scratch, change.action, change.old, change.new)
                if error:
                    break
            if error:
                result.failed.extend((c, error) for c in group.records)
                continue
            store.clear()
            store.update(scratch)
            self._generation[zone.id] = self._generation.get(zone.id, 0) + 1
            result.applied.extend(group.records)
        result.requests = len(groups)
        return result


def _apply_one(
    zone: Zone, store: dict[Key, Endpoint], action: Action, old: Endpoint | None, new: Endpoint | None
) -> str | None:
    if action is Action.DELETE or action is Action.UPDATE:
        assert old is not None
        present = store.get(old.key)
        if present is None or not present.same_record(old):
            return f"Tried to delete resource record set {old.key} but it was not found or does not match"
        del store[old.key]
    if action is Action.CREATE or action is Action.UPDATE:
        assert new is not None
        if not zone.contains(new.name):
            return f"RRSet with DNS name {new.name} is not permitted in zone {zone.name}"
        if new.key in store:
            return f"Tried to create resource record set {new.key} but it already exists"
        store[new.key] = new.evolve(labels=())
    return None
