"""Reading record sets: ListResourceRecordSets, paged, for a whole zone or for one name and type.

Both go through one pager (`_pages`), which follows Route 53's `NextRecordName`/`NextRecordType`
(and `NextRecordIdentifier` for record sets with set identifiers).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from zonekeeper.providers.base import Zone
from zonekeeper.providers.route53.account import Account
from zonekeeper.providers.route53.rrsets import READ_TYPES, RRSet, canonical_key, is_read

PAGE_SIZE = 300  # Route 53's maximum for ListResourceRecordSets


def _continue_listing(page: dict[str, Any], kwargs: dict[str, Any]) -> bool:
    """Point `kwargs` at the next page of ListResourceRecordSets; False when `page` was the last."""
    if not page.get("IsTruncated"):
        return False
    kwargs["StartRecordName"] = page["NextRecordName"]
    kwargs["StartRecordType"] = page["NextRecordType"]
    if "NextRecordIdentifier" in page:
        kwargs["StartRecordIdentifier"] = page["NextRecordIdentifier"]
    else:
        kwargs.pop("StartRecordIdentifier", None)
    return True


def _pages(account: Account, kwargs: dict[str, Any]) -> Iterator[RRSet]:
    while True:
        page = account.call("list_resource_record_sets", **kwargs)
        yield from page.get("ResourceRecordSets", [])
        if not _continue_listing(page, kwargs):
            return


def list_zone(account: Account, zone: Zone) -> list[RRSet]:
    """Every record set of the zone that zonekeeper reads."""
    kwargs: dict[str, Any] = {"HostedZoneId": zone.id, "MaxItems": str(PAGE_SIZE)}
    return [rrset for rrset in _pages(account, kwargs) if is_read(rrset, zone)]


def read_key(account: Account, zone: Zone, name: str, rtype: str) -> list[RRSet]:
    """Every record set at `name` with type `rtype` (all its set identifiers)."""
    out: list[RRSet] = []
    if rtype not in READ_TYPES or (rtype == "NS" and name == zone.name):
        return out
    kwargs: dict[str, Any] = {"HostedZoneId": zone.id, "StartRecordName": name, "StartRecordType": rtype,
                              "MaxItems": "10"}
    for rrset in _pages(account, kwargs):
        if canonical_key(rrset) != (name, rtype):
            break  # listed in order: past the key
        out.append(rrset)
    return out
