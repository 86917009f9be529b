"""external-dns's zone finder assertions (provider/zonefinder_test.go) against assign_zones."""

from __future__ import annotations

from typing import Any

import pytest
from edns_tables import cases, wanted

from zonekeeper.endpoint import Endpoint, normalize_name
from zonekeeper.idn import to_unicode
from zonekeeper.pipeline import assign_zones
from zonekeeper.providers.base import Zone


def _zones(case: dict[str, Any]) -> list[Zone]:
    return [Zone(id=zone_id, name=normalize_name(name)) for zone_id, name in case["zones"].items()]


@pytest.mark.parametrize("case", cases("zone_finder"))
def test_zone_finder(case: dict[str, Any]) -> None:
    want = wanted(case)
    if case["kind"] == "stored_names":
        assert {z.id: z.name for z in _zones(case)} == want
    elif case["kind"] == "find_zone":
        ep = Endpoint.new(case["hostname"], "A", ["192.0.2.1"])
        by_zone, problems = assign_zones([ep], _zones(case))
        found = [(z.id, to_unicode(z.name)) for z in by_zone]
        if want["zone_id"]:
            assert found == [(want["zone_id"], want["zone_name"])]
            assert problems == []
        else:
            assert found == []
            assert [p.reason for p in problems] == ["NoMatchingZone"]
    else:
        pytest.fail(f"unknown kind {case['kind']}")
