"""Which hosted zones are ours, and which account (--aws-profile) each one is in.

The zone list is cached per account (`zones_cache_seconds`, an hour by default): zones come and go
rarely, and ListHostedZones (plus ListTagsForResources with --aws-zone-tags) would otherwise be paid
every pass. An account that cannot be listed is reported and asked again next pass; the other
accounts' zones go on. A zone visible from two profiles (a shared zone, or one account reached through
two profiles) is written with the first profile given, so the choice does not change between runs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from zonekeeper import logs
from zonekeeper.endpoint import normalize_name
from zonekeeper.providers.base import ProviderError, Zone
from zonekeeper.providers.route53.account import Account
from zonekeeper.providers.route53.options import Route53Options
from zonekeeper.zoneidfilter import ZoneIDFilter

_TAGGED_IDS_PER_REQUEST = 10  # ListTagsForResources takes at most 10 ids

# --aws-zone-type: whether the zones kept are private ("" keeps both).
_PRIVATE = {"public": False, "private": True}

ZoneFilter = Callable[[str], bool]  # by zone name (the domain filter)


def zone_from(hosted_zone: dict[str, Any]) -> Zone:
    """A ListHostedZones entry as a Zone (the id without its `/hostedzone/` prefix)."""
    return Zone(id=hosted_zone["Id"].rsplit("/", 1)[-1], name=normalize_name(hosted_zone["Name"]),
                private=bool(hosted_zone.get("Config", {}).get("PrivateZone")))


def keep_zone(zone: Zone, options: Route53Options, zone_filter: ZoneFilter | None) -> bool:
    """The filters that need no request: zone id, public/private, the domain filter."""
    if not ZoneIDFilter(options.zone_id_filter).matches(zone.id):
        return False
    private = _PRIVATE.get(options.zone_type)
    if private is not None and zone.private != private:
        return False
    return zone_filter is None or zone_filter(zone.name)


def has_tags(tags: dict[str, str], wanted: Sequence[tuple[str, str | None]]) -> bool:
    """Every wanted tag is there, with the wanted value unless that is None (any value)."""
    return all(k in tags and (v is None or tags[k] == v) for k, v in wanted)


def _listed(account: Account) -> list[Zone]:
    found: list[Zone] = []
    kwargs: dict[str, Any] = {"MaxItems": "100"}
    while True:
        page = account.call("list_hosted_zones", **kwargs)
        found.extend(zone_from(hz) for hz in page.get("HostedZones", []))
        if not page.get("IsTruncated"):
            return found
        marker = page.get("NextMarker")
        if marker:
            kwargs["Marker"] = marker


def _tagged(account: Account, zones: list[Zone], wanted: Sequence[tuple[str, str | None]]) -> list[Zone]:
    kept: list[Zone] = []
    for i in range(0, len(zones), _TAGGED_IDS_PER_REQUEST):
        chunk = zones[i : i + _TAGGED_IDS_PER_REQUEST]
        resp = account.call("list_tags_for_resources", ResourceType="hostedzone", ResourceIds=[z.id for z in chunk])
        tags_by_id = {
            s["ResourceId"]: {t["Key"]: t.get("Value", "") for t in s.get("Tags", [])}
            for s in resp.get("ResourceTagSets", [])
        }
        kept.extend(zone for zone in chunk if has_tags(tags_by_id.get(zone.id, {}), wanted))
    return kept


@dataclass(slots=True, frozen=True)
class Listing:
    """What one account's listing gave: its zones after the filters, or why it failed (then the zones
    known from its last good listing, if any)."""

    account: Account
    zones: tuple[Zone, ...]
    error: str = ""


@dataclass(slots=True, frozen=True)
class Merged:
    zones: tuple[Zone, ...]
    account_of: Mapping[str, Account]  # zone id -> the account that reads and writes it
    # One message per account that could not be listed (its zones may be missing from `zones`).
    errors: tuple[str, ...] = ()
    # (zone, the account it is written with, another account that sees it too)
    shared: tuple[tuple[Zone, Account, Account], ...] = field(default=())


def merge(listings: Sequence[Listing]) -> Merged:
    """The accounts' zones in the order the profiles were given; a zone id seen twice stays with the first
    account. external-dns keeps whichever profile its map iteration happens to visit last."""
    zones: list[Zone] = []
    account_of: dict[str, Account] = {}
    errors: list[str] = []
    shared: list[tuple[Zone, Account, Account]] = []
    for listing in listings:
        if listing.error:
            errors.append(_unlisted(listing))
        for zone in listing.zones:
            holder = account_of.get(zone.id)
            if holder is not None:
                if holder is not listing.account:
                    shared.append((zone, holder, listing.account))
                continue
            zones.append(zone)
            account_of[zone.id] = listing.account
    return Merged(tuple(zones), account_of, tuple(errors), tuple(shared))


def _unlisted(listing: Listing) -> str:
    message = f"aws profile {listing.account}: cannot list hosted zones: {listing.error}"
    known = len(listing.zones)
    if known:
        message += f" ({known} zone{'s' if known != 1 else ''} known from an earlier listing kept)"
    return message


_log = logs.get("zonekeeper.route53")


class ZoneDirectory:
    """The zones of every account after the filters, cached per account, and the account of each."""

    def __init__(self, accounts: Sequence[Account], options: Route53Options, zone_filter: ZoneFilter | None,
                 clock: Callable[[], float]) -> None:
        self._accounts = tuple(accounts)
        self._options = options
        self._zone_filter = zone_filter
        self._clock = clock
        self._lock = threading.Lock()
        # Per account (by position): its last good listing and when it was made.
        self._good: dict[int, tuple[tuple[Zone, ...], float]] = {}
        self._merged = Merged((), {})
        self._shared_logged: set[str] = set()

    def zones(self) -> list[Zone]:
        """Every account's zones. Raises ProviderError only when no account could be listed at all."""
        now = self._clock()
        listings = [self._listing(i, account, now) for i, account in enumerate(self._accounts)]
        if all(listing.error for listing in listings):
            raise ProviderError("; ".join(f"{each.account}: {each.error}" if len(listings) > 1 else each.error
                                          for each in listings))
        merged = merge(listings)
        with self._lock:
            self._merged = merged
        self._log_shared(merged)
        return list(merged.zones)

    def errors(self) -> list[str]:
        """The accounts the last `zones()` could not list."""
        with self._lock:
            return list(self._merged.errors)

    def _listing(self, index: int, account: Account, now: float) -> Listing:
        with self._lock:
            good = self._good.get(index)
        if good is not None and now - good[1] < self._options.zones_cache_seconds:
            return Listing(account, good[0])
        try:
            zones = tuple(self._of(account))
        except ProviderError as exc:
            # Not cached: asked again next pass.
            return Listing(account, good[0] if good else (), error=str(exc))
        with self._lock:
            self._good[index] = (zones, now)
        return Listing(account, zones)

    def _log_shared(self, merged: Merged) -> None:
        for zone, holder, other in merged.shared:
            if zone.id not in self._shared_logged:
                self._shared_logged.add(zone.id)
                _log.info("zone seen from two aws profiles", zone=zone.name, zone_id=zone.id,
                          written_with=str(holder), also_seen_from=str(other))

    def _of(self, account: Account) -> list[Zone]:
        zones = [z for z in _listed(account) if keep_zone(z, self._options, self._zone_filter)]
        return _tagged(account, zones, self._options.zone_tags) if self._options.zone_tags else zones

    def account(self, zone: Zone) -> Account:
        """The account `zone` was listed in; with one account, that one (the zone may come from a caller
        that never listed zones)."""
        with self._lock:
            found = self._merged.account_of.get(zone.id)
        if found is not None:
            return found
        if len(self._accounts) == 1:
            return self._accounts[0]
        raise ProviderError(f"zone {zone} is in none of the accounts {', '.join(map(str, self._accounts))}")
