"""external-dns's TXT name mapper tables (registry/mapper/mapper_test.go) against TXTNameMapper."""

from __future__ import annotations

from typing import Any

import pytest
from edns_tables import cases, wanted

from zonekeeper.registry.mapper import TXTNameMapper


def _endpoint_name(mapper: TXTNameMapper, txt_name: str) -> dict[str, str]:
    found = mapper.to_endpoint_name(txt_name)
    # external-dns answers ("", "") where zonekeeper answers None: not a TXT name of this mapper.
    name, rtype = found if found is not None else ("", "")
    return {"name": name, "type": rtype}


@pytest.mark.parametrize("case", cases("txt_name_mapper"))
def test_txt_name_mapper(case: dict[str, Any]) -> None:
    mapper = TXTNameMapper(*case["mapper"])
    want = wanted(case)
    kind = case["kind"]
    if kind == "to_endpoint_name":
        assert _endpoint_name(mapper, case["txt_name"]) == want
    elif kind == "endpoint_name_only":
        assert _endpoint_name(mapper, case["txt_name"])["name"] == want
    elif kind == "to_txt_name":
        assert mapper.to_txt_name(case["record_name"], case["record_type"]) == want
    elif kind in ("round_trip", "round_trip_typed"):
        txt_name = mapper.to_txt_name(case["record_name"], case["record_type"])
        assert txt_name == want
        back = _endpoint_name(mapper, txt_name)
        assert back["name"] == case["record_name"]
        if kind == "round_trip_typed":
            assert back["type"] == case["record_type"]
    elif kind == "record_type_in_affix":
        assert mapper.record_type_in_affix is want
    else:
        pytest.fail(f"unknown kind {kind}")
