"""Which hosted zones are ours, and which account each one is in.

The zone list is cached (`zones_cache_seconds`, an hour by default): zones come and go rarely, and
ListHostedZones (plus ListTagsForResources with --aws-zone-tags) would otherwise be paid every pass.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

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


class ZoneDirectory:
    """The zones of every account after the filters, cached, and the account of each."""

    def __init__(self, accounts: Sequence[Account], options: Route53Options, zone_filter: ZoneFilter | None,
                 clock: Callable[[], float]) -> None:
        self._accounts = tuple(accounts)
        self._options = options
        self._zone_filter = zone_filter
        self._clock = clock
        self._lock = threading.Lock()
        self._zones: list[Zone] | None = None
        self._zones_at = 0.0
        self._account_of: dict[str, Account] = {}

    def zones(self) -> list[Zone]:
        now = self._clock()
        with self._lock:
            if self._zones is not None and now - self._zones_at < self._options.zones_cache_seconds:
                return list(self._zones)
        zones: list[Zone] = []
        account_of: dict[str, Account] = {}
        for account in self._accounts:
            for zone in self._of(account):
                zones.append(zone)
                account_of[zone.id] = account
        with self._lock:
            self._zones, self._zones_at = zones, now
            self._account_of.update(account_of)
        return list(zones)

    def _of(self, account: Account) -> list[Zone]:
        zones = [z for z in _listed(account) if keep_zone(z, self._options, self._zone_filter)]
        return _tagged(account, zones, self._options.zone_tags) if self._options.zone_tags else zones

    def account(self, zone: Zone) -> Account:
        """The account `zone` was listed in; with one account, that one (the zone may come from a caller
        that never listed zones)."""
        with self._lock:
            found = self._account_of.get(zone.id)
        if found is not None:
            return found
        if len(self._accounts) == 1:
            return self._accounts[0]
        raise ProviderError(f"zone {zone} is in none of the accounts {', '.join(map(str, self._accounts))}")
