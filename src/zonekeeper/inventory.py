"""`zonekeeper records`: the records of the managed zones as the TXT registry sees them.

Read-only. By default only the records this instance owns (`--txt-owner-id`); `--all-owners` adds
records other owners hold, `--unowned` records nobody holds. Names the registry refuses to touch
(ambiguous or foreign ownership TXTs) are always listed, with the reason.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from zonekeeper.endpoint import OWNER_LABEL, RESOURCE_LABEL, Endpoint, Key
from zonekeeper.plan import is_owned
from zonekeeper.providers.base import ProviderError, Zone
from zonekeeper.report import columns
from zonekeeper.wiring import Wiring

# Shown in columns of their own, so not again among the other labels.
_COLUMN_LABELS = frozenset({OWNER_LABEL, RESOURCE_LABEL})


@dataclass(slots=True)
class Row:
    zone: Zone
    record: Endpoint
    blocked: str | None = None


@dataclass(slots=True)
class Blocked:
    zone: Zone
    key: Key
    reason: str


@dataclass(slots=True)
class Inventory:
    owner_id: str
    rows: list[Row] = field(default_factory=list)
    blocked: list[Blocked] = field(default_factory=list)
    errors: list[tuple[Zone | None, str]] = field(default_factory=list)


def collect(wired: Wiring, *, all_owners: bool = False, unowned: bool = False) -> Inventory:
    """Every managed zone's records of the managed types, filtered by owner."""
    options = wired.pipeline.options
    owner_id = wired.registry.owner_id
    inventory = Inventory(owner_id)
    try:
        zones = wired.provider.zones()
    except ProviderError as exc:
        inventory.errors.append((None, f"cannot list hosted zones: {exc}"))
        return inventory
    inventory.errors.extend((None, error) for error in wired.provider.zone_errors())
    for zone in sorted(zones, key=lambda z: (z.name, z.id)):
        try:
            state = wired.registry.records(zone)
        except ProviderError as exc:
            inventory.errors.append((zone, str(exc)))
            continue
        for key, reason in sorted(state.blocked.items()):
            if options.domain_filter.matches(key.name):
                inventory.blocked.append(Blocked(zone, key, reason))
        for record in state.records:
            if not options.plan.manages(record.type) or not options.domain_filter.matches(record.name):
                continue
            if is_owned(record, owner_id) or (all_owners if record.owner else unowned):
                inventory.rows.append(Row(zone, record, state.blocked.get(record.key)))
    inventory.rows.sort(key=lambda r: (r.zone.name, r.zone.id, r.record.name, r.record.type,
                                       r.record.set_identifier))
    return inventory


def _labels(record: Endpoint) -> dict[str, str]:
    return {k: v for k, v in record.labels if k not in _COLUMN_LABELS}


def render_json(inventory: Inventory) -> str:
    doc: dict[str, Any] = {
        "ownerId": inventory.owner_id,
        "records": [
            {
                "zone": row.zone.name,
                "zoneId": row.zone.id,
                "name": row.record.name,
                "type": row.record.type,
                "setIdentifier": row.record.set_identifier,
                "targets": list(row.record.targets),
                "ttl": row.record.ttl,
                "providerSpecific": dict(row.record.provider_specific),
                "owner": row.record.owner,
                "resource": row.record.resource,
                "labels": _labels(row.record),
                "blocked": row.blocked,
            }
            for row in inventory.rows
        ],
        "blocked": [
            {"zone": b.zone.name, "zoneId": b.zone.id, "name": b.key.name, "type": b.key.type,
             "setIdentifier": b.key.set_identifier, "reason": b.reason}
            for b in inventory.blocked
        ],
        "errors": [{"zone": z.name if z else None, "error": e} for z, e in inventory.errors],
    }
    return json.dumps(doc, indent=2)


def render_text(inventory: Inventory) -> str:
    lines = _table(inventory)
    if inventory.blocked:
        lines.append("")
        lines.append(f"Blocked: left alone because their ownership is unclear ({len(inventory.blocked)}):")
        for b in inventory.blocked:
            set_id = f" [{b.key.set_identifier}]" if b.key.set_identifier else ""
            lines.append(f"  ! {b.key.name} {b.key.type}{set_id} in {b.zone.name}: {b.reason}")
    if inventory.errors:
        lines.append("")
        lines.append("Errors:")
        lines.extend(f"  x {z.name + ': ' if z else ''}{e}" for z, e in inventory.errors)
    lines.append("")
    lines.append(f"{len(inventory.rows)} record(s).")
    return "\n".join(lines)


def _table(inventory: Inventory) -> list[str]:
    if not inventory.rows:
        whose = f"owned by '{inventory.owner_id}'" if inventory.owner_id else "managed"
        return [f"No records {whose} in the managed zones."]
    rows = [("ZONE", "NAME", "TYPE", "SET-ID", "TTL", "TARGETS", "OWNER", "RESOURCE")]
    for row in inventory.rows:
        r = row.record
        targets = ",".join(r.targets)
        rows.append((row.zone.name, r.name, r.type, r.set_identifier or "-", str(r.ttl) if r.ttl else "-",
                     f"alias {targets}" if r.is_alias else targets, r.owner or "-",
                     (r.resource or "-") + (" (blocked)" if row.blocked else "")))
    return columns(rows)
