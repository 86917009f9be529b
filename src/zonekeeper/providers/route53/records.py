"""The record cache: every zone's records as last read, kept current from what Route 53 accepted, so
a steady state costs no ListResourceRecordSets at all (`records_cache_seconds`; 0 reads every time).

When the cached records of a public zone expire, a DriftCheck (dnsprobe.py: the zone's name servers)
may vouch for them instead of a re-list: only the names it cannot vouch for are read again, and the
zone is listed in full at least every `list_every` seconds (and whenever the check has any doubt).

Each zone has a generation, bumped whenever its cached records change, so readers can keep state
derived from them (the registry's ownership labels) while it stays the same.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from zonekeeper.changes import ChangeGroup
from zonekeeper.endpoint import Endpoint, Key
from zonekeeper.providers.base import Zone
from zonekeeper.providers.route53 import listing
from zonekeeper.providers.route53.account import Account
from zonekeeper.providers.route53.rrsets import RRSet, endpoint_from_rrset, rrset_from_endpoint, same_rrset

if TYPE_CHECKING:
    from zonekeeper.providers.route53.drift import NameType

RecordKeys = set[tuple[str, str]]  # (name, type) pairs, all set identifiers of each
Snapshot = tuple[Any, ...]


class DriftCheck(Protocol):
    def differing(self, account: Account, zone: Zone, rrsets: Sequence[RRSet]) -> set[NameType] | None:
        """The (name, type) keys whose records may differ from `rrsets`; None: could not tell (list)."""
        ...


@dataclass(slots=True)
class ZoneRecords:
    fetched_at: float  # when the records were last listed or vouched for
    listed_at: float = -math.inf  # when the whole zone was last listed
    records: dict[Key, Endpoint] = field(default_factory=dict)
    # Only record sets whose canonical form does not rebuild them byte for byte (case, escapes, a
    # `dualstack.` alias name…), so DELETEs always match what Route 53 holds.
    raw: dict[Key, RRSet] = field(default_factory=dict)

    def add(self, rrsets: Iterable[RRSet]) -> None:
        for rrset in rrsets:
            ep = endpoint_from_rrset(rrset)
            self.records[ep.key] = ep
            if not same_rrset(rrset_from_endpoint(ep), rrset):
                self.raw[ep.key] = dict(rrset)

    def drop(self, keys: RecordKeys) -> None:
        for key in [k for k in self.records if (k.name, k.type) in keys]:
            del self.records[key]
            self.raw.pop(key, None)


class RecordCache:
    def __init__(self, records_cache_seconds: float, clock: Callable[[], float], *,
                 drift: DriftCheck | None = None, list_every: float = 86400.0) -> None:
        self._seconds = records_cache_seconds
        self._clock = clock
        self._drift = drift
        self._list_every = max(list_every, records_cache_seconds)
        self._zones: dict[str, ZoneRecords] = {}
        self._generation: dict[str, int] = {}

    def records(self, account: Account, zone: Zone) -> list[Endpoint]:
        now = self._clock()
        cached = self._zones.get(zone.id)
        if cached is not None and now - cached.fetched_at >= self._seconds:
            cached = self._vouched(account, zone, cached, now)
        if cached is None:
            cached = self._list(account, zone, now)
        return list(cached.records.values())

    def _list(self, account: Account, zone: Zone, now: float) -> ZoneRecords:
        cached = ZoneRecords(now, listed_at=now)
        cached.add(listing.list_zone(account, zone))
        self._zones[zone.id] = cached
        self._bump(zone.id)
        return cached

    def _vouched(self, account: Account, zone: Zone, cached: ZoneRecords, now: float) -> ZoneRecords | None:
        """The expired records once the drift check vouched for them and the names it could not vouch
        for were read again; None when the zone must be listed."""
        if self._drift is None or zone.private or now - cached.listed_at >= self._list_every:
            return None
        rrsets = [cached.raw.get(key) or rrset_from_endpoint(ep) for key, ep in cached.records.items()]
        keys = self._drift.differing(account, zone, rrsets)
        if keys is None:
            return None
        cached.fetched_at = now
        if keys:
            self.refresh(account, zone, keys)
        return self._zones.get(zone.id)

    def _bump(self, zone_id: str) -> None:
        self._generation[zone_id] = self._generation.get(zone_id, 0) + 1

    @property
    def keeps(self) -> bool:
        """Whether records read now are served to the next read (a duration of 0 lists at every read)."""
        return self._seconds > 0

    def generation(self, zone: Zone) -> int:
        return self._generation.get(zone.id, 0)

    def invalidate(self, zone: Zone | None = None) -> None:
        if zone is None:
            self._zones.clear()
            for zone_id in list(self._generation):
                self._bump(zone_id)
        else:
            self._zones.pop(zone.id, None)
            self._bump(zone.id)

    def raw(self, zone: Zone, key: Key) -> RRSet | None:
        """The record set exactly as Route 53 listed it, when its canonical form does not rebuild it."""
        cached = self._zones.get(zone.id)
        return cached.raw.get(key) if cached is not None else None

    def snapshot(self, zone: Zone, keys: RecordKeys) -> Snapshot | None:
        """What the cache holds at `keys`; None when the zone is not cached."""
        cached = self._zones.get(zone.id)
        if cached is None:
            return None
        return tuple(sorted((k, ep) for k, ep in cached.records.items() if (k.name, k.type) in keys))

    def refresh(self, account: Account, zone: Zone, keys: RecordKeys) -> None:
        """Read the records at `keys` again: one request per key when that is fewer than listing the
        zone, the whole zone otherwise. Raises ProviderError."""
        cached = self._zones.get(zone.id)
        pages = math.ceil(len(cached.records) / listing.PAGE_SIZE) if cached is not None else 0
        if cached is None or len(keys) >= max(1, pages):
            self._zones.pop(zone.id, None)
            self.records(account, zone)
            return
        fresh = ZoneRecords(cached.fetched_at)
        for name, rtype in sorted(keys):
            fresh.add(listing.read_key(account, zone, name, rtype))
        cached.drop(keys)
        cached.records.update(fresh.records)
        cached.raw.update(fresh.raw)
        self._bump(zone.id)

    def remember(self, zone: Zone, group: ChangeGroup) -> None:
        """Keep the zone's cached records in step with what Route 53 accepted."""
        cached = self._zones.get(zone.id)
        if cached is None:
            return
        self._bump(zone.id)
        for change in group.changes:
            if change.old is not None:
                cached.records.pop(change.old.key, None)
                cached.raw.pop(change.old.key, None)
            if change.new is not None:
                cached.records[change.new.key] = change.new.evolve(labels=())
