"""external-dns's TXT value label tables (endpoint/labels_test.go) against registry.labels."""

from __future__ import annotations

from typing import Any

import pytest
from edns_tables import cases, wanted

from zonekeeper.registry import crypto, labels


def _key(case: dict[str, Any], field: str = "key") -> bytes:
    return crypto.parse_key(case[field])


@pytest.mark.parametrize("case", cases("txt_value_labels"))
def test_txt_value_labels(case: dict[str, Any]) -> None:
    want = wanted(case)
    kind = case["kind"]
    if kind == "serialize":
        # zonekeeper always writes the quoted form (SerializePlain(true)).
        assert labels.serialize(case["labels"]) == f'"{want}"'
    elif kind == "parse":
        assert labels.parse(case["value"]) == want
    elif kind == "parse_sealed":
        read = labels.parse(case["value"], aes_key=_key(case))
        assert read is not None
        assert read == want
    elif kind == "reseal":
        read = labels.parse(case["value"], aes_key=_key(case))
        assert read is not None and read.nonce is not None
        assert labels.serialize(read, aes_key=_key(case), nonce=read.nonce) == f'"{want}"'
    elif kind == "reseal_other_key":
        read = labels.parse(case["value"], aes_key=_key(case))
        assert read is not None
        assert labels.serialize(read, aes_key=_key(case, "other_key"), nonce=read.nonce) != f'"{want}"'
    else:
        pytest.fail(f"unknown kind {kind}")
