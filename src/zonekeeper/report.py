"""How a plan is shown: a table for people, JSON for tools (`zonekeeper plan --output json`)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from zonekeeper.changes import Action, Change
from zonekeeper.config import Settings
from zonekeeper.pipeline import PassResult
from zonekeeper.providers.base import Zone


def change_dict(zone: Zone, change: Change) -> dict[str, Any]:
    ep = change.endpoint
    item: dict[str, Any] = {
        "action": change.action.value,
        "zone": zone.name,
        "zoneId": zone.id,
        "name": ep.name,
        "type": ep.type,
        "setIdentifier": ep.set_identifier,
        "targets": list(ep.targets),
        "ttl": ep.ttl,
        "providerSpecific": dict(ep.provider_specific),
        "owner": ep.owner,
        "resource": ep.resource,
    }
    if change.action is Action.UPDATE and change.old is not None:
        item["old"] = {"targets": list(change.old.targets), "ttl": change.old.ttl,
                       "providerSpecific": dict(change.old.provider_specific), "resource": change.old.resource}
    return item


def summary(result: PassResult) -> dict[str, int]:
    counts = {a.value: 0 for a in Action}
    for _, change in result.changes:
        counts[change.action.value] += 1
    return counts


def render_json(result: PassResult) -> str:
    doc = {
        "changes": [change_dict(z, c) for z, c in result.changes],
        "summary": summary(result),
        "withheld": [change_dict(z.zone, c) | {"reason": "policy or deletion guard"}
                     for z in result.zones for c in z.plan.withheld],
        "problems": [{"subject": p.subject, "reason": p.reason, "message": p.message} for p in result.all_problems],
        "errors": [{"zone": None, "error": e} for e in result.pass_errors]
        + [{"zone": z.zone.name, "error": z.error} for z in result.zones if z.error],
    }
    return json.dumps(doc, indent=2, sort_keys=False)


_SIGN = {Action.CREATE: "+", Action.UPDATE: "~", Action.DELETE: "-"}


def _targets(change: Change) -> str:
    ep = change.endpoint
    text = ",".join(ep.targets)
    if ep.is_alias:
        text = f"alias {text}"
    if change.action is Action.UPDATE and change.old is not None and change.old.targets != ep.targets:
        text = f"{','.join(change.old.targets)} => {text}"
    return text


def render_text(result: PassResult, settings: Settings | None = None) -> str:
    lines = _table(result)
    withheld = [(z.zone, c) for z in result.zones for c in z.plan.withheld]
    if withheld:
        policy = settings.plan.policy if settings else "the policy"
        lines.append("")
        lines.append(f"Withheld by --policy={policy} or the deletion guard ({len(withheld)}):")
        for zone, change in withheld:
            lines.append(f"  {change.action.value} {change.endpoint} in {zone.name}")
    problems = result.all_problems
    if problems:
        lines.append("")
        lines.append(f"Problems ({len(problems)}):")
        for p in problems:
            lines.append(f"  ! {p.subject}: {p.message} [{p.reason}]")
    errors = result.pass_errors + [f"{z.zone.name}: {z.error}" for z in result.zones if z.error]
    if errors:
        lines.append("")
        lines.append("Errors:")
        lines.extend(f"  x {e}" for e in errors)
    counts = summary(result)
    lines.append("")
    lines.append(f"Plan: {counts['create']} to create, {counts['update']} to update, {counts['delete']} to delete.")
    return "\n".join(lines)


def _table(result: PassResult) -> list[str]:
    changes = result.changes
    if not changes:
        return ["No changes. DNS is up to date."]
    rows = [("", "ACTION", "ZONE", "NAME", "TYPE", "SET-ID", "TTL", "TARGETS", "RESOURCE")]
    for zone, change in changes:
        ep = change.endpoint
        rows.append((_SIGN[change.action], change.action.value, zone.name, ep.name, ep.type,
                     ep.set_identifier or "-", str(ep.ttl) if ep.ttl else "-", _targets(change),
                     ep.resource or "-"))
    return columns(rows)


def columns(rows: Sequence[Sequence[str]]) -> list[str]:
    """Rows of cells as lines, each column as wide as its widest cell."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
