"""The TXT registry over the in-memory provider: ownership read back, companions written, holes closed."""

from __future__ import annotations

import base64

from zonekeeper.changes import Action
from zonekeeper.endpoint import Endpoint, Key
from zonekeeper.pipeline import Pipeline, PipelineOptions
from zonekeeper.plan import FORCE_UPDATE_LABEL, PlanOptions
from zonekeeper.providers.inmemory import InMemoryProvider
from zonekeeper.registry.mapper import TXTNameMapper
from zonekeeper.registry.txt import TXTRegistry

OWNER = "cluster-a"
HERITAGE = '"heritage=external-dns,external-dns/owner={owner},external-dns/resource={resource}"'


def setup(encryption_key: bytes | None = None, mapper: TXTNameMapper | None = None
          ) -> tuple[InMemoryProvider, TXTRegistry, Pipeline]:
    provider = InMemoryProvider(["example.com"])
    registry = TXTRegistry(provider, OWNER, mapper, encryption_key)
    pipeline = Pipeline(provider, registry, PipelineOptions(plan=PlanOptions(owner_id=OWNER)))
    return provider, registry, pipeline


def seed(provider: InMemoryProvider, *records: Endpoint) -> None:
    zone = provider.zones()[0]
    store = provider._records[zone.id]
    for r in records:
        store[r.key] = r


def stored(provider: InMemoryProvider) -> dict[tuple[str, str], tuple[str, ...]]:
    zone = provider.zones()[0]
    return {(k.name, k.type): e.targets for k, e in provider._records[zone.id].items()}


def app(target: str = "10.0.0.1", resource: str = "service/default/app") -> Endpoint:
    return Endpoint.new("app.example.com", "A", [target], labels={"resource": resource})


def test_create_writes_external_dns_compatible_txt_and_second_pass_is_empty() -> None:
    provider, _, pipeline = setup()
    first = pipeline.run([app()], apply=True)
    assert first.ok
    assert stored(provider) == {
        ("app.example.com", "A"): ("10.0.0.1",),
        ("a-app.example.com", "TXT"): (HERITAGE.format(owner=OWNER, resource="service/default/app"),),
    }
    second = pipeline.run([app()], apply=False)
    assert second.changes == []


def test_ownership_is_read_from_txt() -> None:
    provider, registry, _ = setup()
    seed(provider,
         Endpoint.new("app.example.com", "A", ["10.0.0.1"], ttl=300),
         Endpoint.new("a-app.example.com", "TXT", [HERITAGE.format(owner="other", resource="ingress/x/y")], ttl=300))
    state = registry.records(provider.zones()[0])
    record = next(r for r in state.records if r.key == Key("app.example.com", "A"))
    assert record.owner == "other" and record.resource == "ingress/x/y"


def test_foreign_owned_record_is_left_alone_and_reported() -> None:
    provider, _, pipeline = setup()
    seed(provider,
         Endpoint.new("app.example.com", "A", ["10.9.9.9"], ttl=300),
         Endpoint.new("a-app.example.com", "TXT", [HERITAGE.format(owner="other", resource="r")], ttl=300))
    result = pipeline.run([app()], apply=True)
    assert result.changes == []
    assert [p.reason for p in result.all_problems] == ["OwnedByOther"]
    assert stored(provider)[("app.example.com", "A")] == ("10.9.9.9",)


def test_several_ownership_txts_block_the_record() -> None:
    provider, registry, pipeline = setup()
    seed(provider,
         Endpoint.new("app.example.com", "A", ["10.0.0.9"], ttl=300),
         Endpoint.new("a-app.example.com", "TXT", [HERITAGE.format(owner=OWNER, resource="r"),
                                                   HERITAGE.format(owner="other", resource="r")], ttl=300))
    state = registry.records(provider.zones()[0])
    assert Key("app.example.com", "A") in state.blocked
    assert "cluster-a, other" in state.blocked[Key("app.example.com", "A")]
    result = pipeline.run([app()], apply=True)
    assert result.changes == [] and result.all_problems[0].reason == "OwnershipUnclear"


def test_foreign_txt_at_our_txt_name_blocks_creation() -> None:
    provider, _, pipeline = setup()
    seed(provider, Endpoint.new("a-app.example.com", "TXT", ['"google-site-verification=abc"'], ttl=300))
    result = pipeline.run([app()], apply=True)
    assert result.changes == []
    assert result.all_problems[0].reason == "OwnershipUnclear"
    assert "google-site-verification" in result.all_problems[0].message
    assert ("app.example.com", "A") not in stored(provider)


def test_legacy_txt_is_migrated_to_the_new_format() -> None:
    provider, registry, pipeline = setup()
    legacy = HERITAGE.format(owner=OWNER, resource="service/default/app")
    seed(provider,
         Endpoint.new("app.example.com", "A", ["10.0.0.1"], ttl=300),
         Endpoint.new("app.example.com", "TXT", [legacy], ttl=300))
    state = registry.records(provider.zones()[0])
    record = next(r for r in state.records if r.key == Key("app.example.com", "A"))
    assert record.label(FORCE_UPDATE_LABEL) == "true"
    assert pipeline.run([app()], apply=True).ok
    assert stored(provider) == {
        ("app.example.com", "A"): ("10.0.0.1",),
        ("a-app.example.com", "TXT"): (legacy,),
    }
    assert pipeline.run([app()], apply=False).changes == []


def test_pre_v022_cname_txt_of_an_alias_is_honoured() -> None:
    provider, registry, _ = setup()
    alias = Endpoint.new("app.example.com", "A", ["lb.elb.amazonaws.com"], provider_specific={"alias": "true"})
    seed(provider, alias,
         Endpoint.new("cname-app.example.com", "TXT", [HERITAGE.format(owner=OWNER, resource="r")], ttl=300))
    state = registry.records(provider.zones()[0])
    record = next(r for r in state.records if r.key == Key("app.example.com", "A"))
    assert record.owner == OWNER and record.label(FORCE_UPDATE_LABEL) == "true"


def test_delete_removes_record_and_txt() -> None:
    provider, _, pipeline = setup()
    pipeline.run([app()], apply=True)
    result = pipeline.run([], apply=True)
    assert [c.action for _, c in result.changes] == [Action.DELETE]
    assert stored(provider) == {}


def test_orphan_txt_of_ours_is_reused_when_the_record_comes_back() -> None:
    provider, _, pipeline = setup()
    seed(provider, Endpoint.new("a-app.example.com", "TXT", [HERITAGE.format(owner=OWNER, resource="old")],
                                ttl=300))
    # The TXT belongs to us; the record itself is missing. Creating it must not fail on the TXT.
    result = pipeline.run([app()], apply=True)
    assert result.ok, result.zones[0].failed
    assert stored(provider)[("a-app.example.com", "TXT")] == (
        HERITAGE.format(owner=OWNER, resource="service/default/app"),)


def test_names_whose_txt_cannot_be_written_are_refused() -> None:
    provider, _, pipeline = setup()
    long_label = "x" * 62  # 'cname-' + 62 characters exceeds 63
    apex = Endpoint.new("example.com", "A", ["10.0.0.1"], labels={"resource": "ingress/shop/web"})
    longname = Endpoint.new(f"{long_label}.example.com", "A", ["10.0.0.2"], labels={"resource": "service/a/b"})
    result = pipeline.run([apex, longname], apply=True)
    assert result.changes == []
    reasons = {p.subject: p.reason for p in result.all_problems}
    assert reasons == {"ingress/shop/web": "TXTNameInvalid", "service/a/b": "TXTNameInvalid"}
    # With a prefix that makes a new label, the apex works.
    provider, _, pipeline = setup(mapper=TXTNameMapper(prefix="_owner.%{record_type}."))
    assert pipeline.run([apex], apply=True).ok
    assert ("_owner.a.example.com", "TXT") in stored(provider)


def test_encrypted_registry_round_trips_without_churn() -> None:
    key = base64.b64encode(bytes(range(32)))
    from zonekeeper.registry import crypto

    provider, _, pipeline = setup(encryption_key=crypto.parse_key(key.decode()))
    assert pipeline.run([app()], apply=True).ok
    txt = stored(provider)[("a-app.example.com", "TXT")][0]
    assert "heritage" not in txt and txt.startswith('"')
    assert pipeline.run([app()], apply=False).changes == []
    # A change of target rewrites the TXT with the same nonce: identical ciphertext.
    assert pipeline.run([app("10.0.0.2")], apply=True).ok
    assert stored(provider)[("a-app.example.com", "TXT")][0] == txt


def test_key_without_encryption_reads_sealed_values_and_writes_plain() -> None:
    from zonekeeper.registry import crypto

    key = crypto.parse_key(base64.b64encode(bytes(range(32))).decode())
    provider = InMemoryProvider(["example.com"])
    sealed, _ = crypto.encrypt(HERITAGE.format(owner=OWNER, resource="service/default/app").strip('"'), key)
    seed(provider, Endpoint.new("app.example.com", "A", ["10.0.0.1"], ttl=300),
         Endpoint.new("a-app.example.com", "TXT", [f'"{sealed}"'], ttl=300))
    registry = TXTRegistry(provider, OWNER, None, key, seal=False)
    state = registry.records(provider.zones()[0])
    assert next(r for r in state.records if r.type == "A").owner == OWNER
    pipeline = Pipeline(provider, registry, PipelineOptions(plan=PlanOptions(owner_id=OWNER)))
    assert pipeline.run([app("10.0.0.2")], apply=True).ok
    assert stored(provider)[("a-app.example.com", "TXT")] == (
        HERITAGE.format(owner=OWNER, resource="service/default/app"),)
