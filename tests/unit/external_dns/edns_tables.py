"""Loading the external-dns test tables in data/ (built by scripts/external_dns_tables/build.py).

Each case carries its status: `same` (we give external-dns's expected answer), `intended_difference`
(we deliberately give `zonekeeper` instead, with the reason), `known_difference` (we give `zonekeeper`,
not on purpose: a defect not fixed yet, run as a strict xfail against external-dns's answer so that
fixing it forces the case to be re-marked) or `not_applicable` (nothing of ours to compare, with the
reason; collected and skipped so the list stays visible in every run).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

DATA = Path(__file__).parent / "data"
STATUSES = ("same", "intended_difference", "known_difference", "not_applicable")


def load(table: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((DATA / f"{table}.json").read_text(encoding="utf-8"))
    return doc


def cases(table: str) -> list[Any]:
    params = []
    for case in load(table)["cases"]:
        marks = []
        if case["status"] == "not_applicable":
            marks.append(pytest.mark.skip(reason=f"not applicable: {case['reason']}"))
        elif case["status"] == "known_difference":
            marks.append(pytest.mark.xfail(strict=True, reason=f"known difference: {case['reason']}"))
        params.append(pytest.param(case, id=case["id"], marks=marks))
    return params


def wanted(case: dict[str, Any]) -> Any:
    """The answer zonekeeper must give: external-dns's, unless the case is an intended difference."""
    if case["status"] == "intended_difference":
        # A difference that stopped being one must be re-marked as `same`, not silently pass.
        assert case["zonekeeper"] != case["expected"], f"{case['id']} is marked as a difference but is not one"
        return case["zonekeeper"]
    return case["expected"]
