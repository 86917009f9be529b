"""external-dns's TXT registry name/value and encryption cases (registry/txt/registry_test.go,
registry/txt/encryption_test.go, endpoint/crypto_test.go) against TXTRegistry and registry.crypto.

external-dns calls its unexported generateTXTRecord on an endpoint already labelled with an owner;
zonekeeper's registry is asked the same through its public `companions` (the TXT changes that go
with a record change), with the registry's owner set to the record's owner, as external-dns's
ApplyChanges stamps it before generating the TXT.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from edns_tables import cases, wanted

from zonekeeper.changes import Change
from zonekeeper.endpoint import ALIAS, Endpoint
from zonekeeper.providers.inmemory import InMemoryProvider
from zonekeeper.registry import crypto, labels
from zonekeeper.registry.mapper import TXTNameMapper
from zonekeeper.registry.txt import TXTRegistry


def _txts(case: dict[str, Any], key: bytes | None = None) -> list[Endpoint]:
    provider = InMemoryProvider([case["zone"]])
    registry = TXTRegistry(provider, case["owner"], encryption_key=key)
    zone = provider.zones()[0]
    r = case["record"]
    record = Endpoint.new(r["name"], r["type"], r["targets"], labels={"owner": case["owner"], **r.get("labels", {})})
    groups = registry.companions(registry.records(zone), [Change.create(record)])
    return [c.endpoint for g in groups for c in g.changes if c.endpoint.key != record.key]


def _record(r: dict[str, Any]) -> Endpoint:
    props = {ALIAS: "true"} if r.get("alias") or {"Name": "endpoint.ProviderSpecificAlias", "Value": "true"} in r.get(
        "provider_specific", []) else {}
    return Endpoint.new(r["name"], r["type"], r["targets"], set_identifier=r["set_identifier"],
                        provider_specific=props)


def _owned_records(case: dict[str, Any]) -> list[tuple[Any, ...]]:
    """What the registry reads from a zone seeded as external-dns's test seeds it: every record
    that is not an ownership TXT, with the owner it is read as ("" for none)."""
    provider = InMemoryProvider([case["zone"]])
    zone = provider.zones()[0]
    store = provider._records[zone.id]
    for r in case["seed"]:
        ep = _record(r)
        store[ep.key] = ep
    registry = TXTRegistry(provider, case["owner"], TXTNameMapper(*case["mapper"]))
    out = []
    for ep in registry.records(zone).records:
        if ep.type == "TXT" and any(labels.parse(v) is not None for v in ep.targets):
            continue  # the ownership TXT itself: external-dns's Records() does not list it
        out.append((ep.name, ep.type, ep.set_identifier, ep.targets, ep.is_alias, ep.owner))
    return sorted(out)


@pytest.mark.parametrize("case", cases("txt_registry"))
def test_txt_registry(case: dict[str, Any]) -> None:
    want = wanted(case)
    kind = case["kind"]
    if kind == "generate":
        assert [{"name": t.name, "value": t.targets[0]} for t in _txts(case)] == want
    elif kind == "records":
        expected = sorted((e.name, e.type, e.set_identifier, e.targets, e.is_alias, row["owner"])
                          for row in want for e in [_record(row)])
        assert _owned_records(case) == expected
    elif kind == "generate_prefix":
        txts = _txts(case)
        assert len(txts) == want["count"]
        assert all(t.type == "TXT" and t.name.startswith(want["prefix"]) for t in txts)
    elif kind == "generate_refused":
        provider = InMemoryProvider([case["zone"]])
        registry = TXTRegistry(provider, case["owner"])
        r = case["record"]
        kept, problems = registry.check_desired(provider.zones()[0], [Endpoint.new(r["name"], r["type"], r["targets"])])
        assert kept == []
        assert [p.reason for p in problems] == ["TXTNameInvalid"]
        assert want == "record refused (TXTNameInvalid)"
    elif kind == "generate_sealed":
        key = crypto.parse_key(case["key"])
        txts = _txts(case, key)
        assert len(txts) == 1 and len(txts[0].targets) == 1
        sealed = txts[0].targets[0].strip('"')
        opened = crypto.decrypt(sealed, key)
        assert opened is not None
        plaintext, nonce = opened
        assert plaintext == want
        assert sealed.startswith(base64.b64encode(nonce).decode())  # the nonce leads the ciphertext
        assert "txt-encryption-nonce" not in dict(txts[0].labels)
    elif kind == "parse_key":
        if want == "error":
            with pytest.raises(ValueError):
                crypto.parse_key(case["key"])
        else:
            assert list(crypto.parse_key(case["key"])) == want
    elif kind == "round_trip":
        key = crypto.parse_key(case["key"])
        sealed, _ = crypto.encrypt(case["plaintext"], key)
        opened = crypto.decrypt(sealed, key)
        assert opened is not None and opened[0] == want
    elif kind == "decrypt_other_key":
        sealed, _ = crypto.encrypt(case["plaintext"], crypto.parse_key(case["key"]))
        assert crypto.decrypt(sealed, crypto.parse_key(case["other_key"])) is want
    elif kind == "decrypt":
        opened = crypto.decrypt(case["ciphertext"], crypto.parse_key(case["key"]))
        assert (opened[0] if opened else None) == want
    else:
        pytest.fail(f"unknown kind {kind}")
