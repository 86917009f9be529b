"""external-dns's canonical-name tables (internal/idna/idna_test.go) against zonekeeper.idn."""

from __future__ import annotations

from typing import Any

import pytest
from edns_tables import cases, wanted

from zonekeeper import idn


def _normalize_dns_name(name: str) -> str:
    # external-dns's NormalizeDNSName: trim spaces, ToASCII, make sure of the trailing dot.
    out = idn.to_ascii(name.strip())
    return out if out.endswith(".") else out + "."


@pytest.mark.parametrize("case", cases("canonical_names"))
def test_canonical_names(case: dict[str, Any]) -> None:
    want = wanted(case)
    if case["kind"] == "ascii_form":
        if want == "error":
            with pytest.raises(idn.IDNAError):
                _normalize_dns_name(case["name"])
        else:
            assert _normalize_dns_name(case["name"]) == want
    elif case["kind"] == "unicode_form":
        assert idn.to_unicode(case["name"]) == want
    else:
        pytest.fail(f"unknown kind {case['kind']}")
