"""The tables themselves: every case cites external-dns's file and lines at one version, and every
case that is not `same` says why."""

from __future__ import annotations

import re

import pytest
from edns_tables import DATA, STATUSES, load

TABLES = sorted(p.stem for p in DATA.glob("*.json"))


def test_all_tables_present() -> None:
    assert TABLES == ["canonical_names", "domain_filter", "txt_name_mapper", "txt_registry", "txt_value_labels",
                      "zone_finder", "zone_id_filter"]


@pytest.mark.parametrize("table", TABLES)
def test_every_case_is_cited_and_judged(table: str) -> None:
    doc = load(table)
    assert doc["source"]["project"] == "kubernetes-sigs/external-dns"
    assert re.fullmatch(r"v\d+\.\d+\.\d+", doc["source"]["version"])
    assert doc["cases"], table
    for case in doc["cases"]:
        path = case["cite"].split(":", 1)[0]
        assert path in doc["source"]["files"], case["id"]
        assert re.match(r"[\w/.]+_test\.go:\d+(-\d+)?", case["cite"]), case["id"]
        assert case["status"] in STATUSES, case["id"]
        if case["status"] != "same":
            assert len(case.get("reason", "")) > 20, case["id"]
        if case["status"] in ("intended_difference", "known_difference"):
            assert "zonekeeper" in case and case["zonekeeper"] != case["expected"], case["id"]
