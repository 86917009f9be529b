"""The noop registry, and sealed ownership values whose text happens to begin or end with 'X'."""

from __future__ import annotations

import base64

import pytest

from zonekeeper.changes import Action, Change
from zonekeeper.endpoint import Endpoint, Key
from zonekeeper.providers.inmemory import InMemoryProvider
from zonekeeper.registry import crypto
from zonekeeper.registry.mapper import TXTNameMapper
from zonekeeper.registry.noop import NoopRegistry
from zonekeeper.registry.txt import TXTRegistry

OWNER = "cluster-a"
PLAIN = "heritage=external-dns,external-dns/owner=cluster-a,external-dns/resource=service/default/app"


def seeded(*records: Endpoint) -> InMemoryProvider:
    provider = InMemoryProvider(["example.com"])
    store = provider._records[provider.zones()[0].id]
    for r in records:
        store[r.key] = r
    return provider


def test_noop_registry_reads_every_record_unlabelled_and_filters_by_name() -> None:
    web = Endpoint.new("web.example.com", "A", ["192.0.2.1"], ttl=300)
    api = Endpoint.new("api.example.com", "A", ["192.0.2.2"], ttl=300)
    provider = seeded(web, api)
    registry = NoopRegistry(provider)
    zone = provider.zones()[0]
    assert sorted(r.name for r in registry.records(zone).records) == ["api.example.com", "web.example.com"]
    assert [r.name for r in registry.records(zone, names={"web.example.com"}).records] == ["web.example.com"]
    assert registry.records(zone, names=set()).records == []
    assert registry.owner_id == ""


def test_noop_registry_passes_desired_through_and_writes_no_txt() -> None:
    provider = seeded()
    registry = NoopRegistry(provider)
    zone = provider.zones()[0]
    desired = [Endpoint.new("example.com", "A", ["192.0.2.1"])]  # an apex: no TXT name to worry about
    assert registry.check_desired(zone, desired) == (desired, [])
    state = registry.records(zone)
    result = registry.apply(state, [Change.create(Endpoint.new("web.example.com", "A", ["192.0.2.1"], ttl=300))])
    assert [c.action for c in result.applied] == [Action.CREATE]
    assert [(k.name, k.type) for k in provider._records[zone.id]] == [("web.example.com", "A")]


def test_sealed_values_beginning_or_ending_with_x_are_read() -> None:
    # Quotes are stripped before decrypting; nothing else may be (base64 text can begin or end with 'X').
    key = crypto.parse_key(base64.b64encode(bytes(range(32))).decode())
    # The text is base64 of nonce + ciphertext: a nonce whose first byte is 0x5c gives a leading 'X'.
    found = {"start": crypto.encrypt(PLAIN, key, bytes([0x5C]) + bytes(11))[0]}
    assert found["start"].startswith("X")
    for sealed in found.values():
        provider = seeded(Endpoint.new("app.example.com", "A", ["192.0.2.1"], ttl=300),
                          Endpoint.new("a-app.example.com", "TXT", [f'"{sealed}"'], ttl=300))
        state = TXTRegistry(provider, OWNER, encryption_key=key).records(provider.zones()[0])
        record = next(r for r in state.records if r.type == "A")
        assert (record.owner, record.resource) == (OWNER, "service/default/app"), sealed


def test_a_sealed_value_keeps_a_resource_ending_in_x() -> None:
    key = crypto.parse_key(base64.b64encode(bytes(range(32))).decode())
    provider = seeded()
    registry = TXTRegistry(provider, OWNER, encryption_key=key)
    record = Endpoint.new("app.example.com", "A", ["192.0.2.1"], ttl=300,
                          labels={"resource": "service/default/appX", "owner": OWNER})
    registry.apply(registry.records(provider.zones()[0]), [Change.create(record)])
    state = TXTRegistry(provider, OWNER, encryption_key=key).records(provider.zones()[0])
    assert next(r for r in state.records if r.type == "A").resource == "service/default/appX"


def test_aaaa_records_are_not_owned_through_a_legacy_same_name_txt() -> None:
    # external-dns falls back to the legacy (typeless) TXT for every type but AAAA, which the old format
    # never covered.
    legacy = f'"{PLAIN}"'
    provider = seeded(Endpoint.new("app.example.com", "A", ["192.0.2.1"], ttl=300),
                      Endpoint.new("app.example.com", "AAAA", ["2001:db8::1"], ttl=300),
                      Endpoint.new("app.example.com", "TXT", [legacy], ttl=300))
    state = TXTRegistry(provider, OWNER).records(provider.zones()[0])
    owners = {r.type: r.owner for r in state.records}
    assert owners == {"A": OWNER, "AAAA": "", "TXT": ""}


def test_migrating_a_legacy_txt_sends_deletes_first() -> None:
    legacy = Endpoint.new("app.example.com", "TXT", [f'"{PLAIN}"'], ttl=300)
    provider = seeded(Endpoint.new("app.example.com", "A", ["192.0.2.1"], ttl=300), legacy)
    registry = TXTRegistry(provider, OWNER)
    state = registry.records(provider.zones()[0])
    current = next(r for r in state.records if r.type == "A")
    wanted = Endpoint.new("app.example.com", "A", ["192.0.2.2"], ttl=300,
                          labels={"resource": "service/default/app", "owner": OWNER})
    [group] = registry.companions(state, [Change.update(current, wanted)])
    assert [(c.action, c.endpoint.name, c.endpoint.type) for c in group.changes] == [
        (Action.DELETE, "app.example.com", "TXT"),
        (Action.UPDATE, "app.example.com", "A"),
        (Action.CREATE, "a-app.example.com", "TXT")]


def test_a_heritage_txt_outside_the_mappers_affix_is_skipped_and_reading_goes_on() -> None:
    mapper = TXTNameMapper(prefix="_owner.")
    ours = Endpoint.new(mapper.to_txt_name("app.example.com", "A"), "TXT", [f'"{PLAIN}"'], ttl=300)
    # Sorts before everything else and carries no "_owner." prefix: not an ownership record of this mapper.
    stray = Endpoint.new("0stray.example.com", "TXT", [f'"{PLAIN}"'], ttl=300)
    provider = seeded(stray, ours, Endpoint.new("app.example.com", "A", ["192.0.2.1"], ttl=300))
    state = TXTRegistry(provider, OWNER, mapper).records(provider.zones()[0])
    assert {(r.name, r.type): r.owner for r in state.records}[("app.example.com", "A")] == OWNER
    assert state.blocked == {}


def test_two_owners_block_with_a_message_naming_both() -> None:
    other = PLAIN.replace("owner=cluster-a", "owner=other")
    provider = seeded(Endpoint.new("app.example.com", "A", ["192.0.2.1"], ttl=300),
                      Endpoint.new("a-app.example.com", "TXT", [f'"{PLAIN}"', f'"{other}"'], ttl=300))
    state = TXTRegistry(provider, OWNER).records(provider.zones()[0])
    assert state.blocked[Key("app.example.com", "A")] == (
        "the TXT records claiming this record disagree (owners: cluster-a, other): 'cluster-a' in a-app.example.com; "
        "'other' in a-app.example.com; it is left as it is until the wrong TXT records are removed")


def test_the_owner_id_error_names_the_flag() -> None:
    with pytest.raises(ValueError, match=r"^the TXT registry needs an owner id \(--txt-owner-id\)$"):
        TXTRegistry(InMemoryProvider(["example.com"]), "")
