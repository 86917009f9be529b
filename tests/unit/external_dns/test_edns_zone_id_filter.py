"""external-dns's zone-id filter tables (provider/zone_id_filter_test.go) against ZoneIDFilter."""

from __future__ import annotations

from typing import Any

import pytest
from edns_tables import cases, wanted

from zonekeeper.zoneidfilter import ZoneIDFilter


@pytest.mark.parametrize("case", cases("zone_id_filter"))
def test_zone_id_filter(case: dict[str, Any]) -> None:
    want = wanted(case)
    f = ZoneIDFilter(tuple(case["filters"]))
    if case["kind"] == "match":
        assert f.matches(case["zone_id"]) is want
        # Route 53 hands zonekeeper the bare id as well as the /hostedzone/ path; both must agree.
        assert f.matches(case["zone_id"].removeprefix("/hostedzone/")) is want
    elif case["kind"] == "is_configured":
        assert f.is_configured is want
    else:
        pytest.fail(f"unknown kind {case['kind']}")
