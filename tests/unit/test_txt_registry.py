"""The TXT registry over the in-memory provider: ownership read back, companions written, holes closed."""

from __future__ import annotations

import base64

from zonekeeper.changes import Action
from zonekeeper.endpoint import Endpoint, Key
from zonekeeper.pipeline import Pipeline, PipelineOptions
from zonekeeper.plan import PlanOptions
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
    assert record.key in state.force_update
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
    assert record.owner == OWNER and record.key in state.force_update


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


# -- every claim on a record is gathered (issue 7, item 2) ---------------------------------------

MIXTXT = "service/default/mixtxt"


def mixtxt(target: str = "10.0.0.2") -> Endpoint:
    return Endpoint.new("mixtxt.example.com", "A", [target], labels={"resource": MIXTXT})


def assert_contested(provider: InMemoryProvider, pipeline: Pipeline, record: tuple[str, str],
                     before: dict[tuple[str, str], tuple[str, ...]], *owners: str, desired: Endpoint) -> None:
    """Changed object, then object gone: nothing is written, and both times the claim is reported."""
    for wanted in ([desired], []):
        result = pipeline.run(wanted, apply=True)
        assert result.changes == [], result.changes
        assert stored(provider) == before
        unclear = [p for p in result.all_problems if p.reason == "OwnershipUnclear"]
        assert len(unclear) == 1, result.all_problems
        assert unclear[0].message.startswith(f"{record[0]} {record[1]}:"), unclear[0].message
        for owner in owners:
            assert f"'{owner}'" in unclear[0].message, unclear[0].message


def test_new_claim_and_legacy_claim_by_another_owner_block_the_record() -> None:
    provider, registry, pipeline = setup()
    seed(provider,
         Endpoint.new("mixtxt.example.com", "A", ["10.0.0.1"], ttl=300),
         Endpoint.new("a-mixtxt.example.com", "TXT", [HERITAGE.format(owner=OWNER, resource=MIXTXT)],
                      ttl=300),
         Endpoint.new("mixtxt.example.com", "TXT", [HERITAGE.format(owner="other", resource="service/x/y")], ttl=300))
    before = stored(provider)
    state = registry.records(provider.zones()[0])
    assert Key("mixtxt.example.com", "A") in state.blocked
    record = next(r for r in state.records if r.key == Key("mixtxt.example.com", "A"))
    assert record.owner == ""  # not labelled as anybody's: nothing may act on it
    assert_contested(provider, pipeline, ("mixtxt.example.com", "A"), before, OWNER, "other", desired=mixtxt())
    # The report says where each claim is, so the operator knows which TXT to remove.
    message = registry.records(provider.zones()[0]).blocked[Key("mixtxt.example.com", "A")]
    assert "a-mixtxt.example.com" in message and "mixtxt.example.com (legacy" in message


def test_legacy_cname_claim_on_an_alias_by_another_owner_blocks_it() -> None:
    provider, _, pipeline = setup()
    alias = Endpoint.new("mixtxt.example.com", "A", ["lb.elb.amazonaws.com"], provider_specific={"alias": "true"})
    seed(provider, alias,
         Endpoint.new("a-mixtxt.example.com", "TXT", [HERITAGE.format(owner=OWNER, resource=MIXTXT)], ttl=300),
         Endpoint.new("cname-mixtxt.example.com", "TXT", [HERITAGE.format(owner="other", resource="r")], ttl=300))
    before = stored(provider)
    desired = Endpoint.new("mixtxt.example.com", "A", ["lb2.elb.amazonaws.com"], provider_specific={"alias": "true"},
                           labels={"resource": MIXTXT})
    assert_contested(provider, pipeline, ("mixtxt.example.com", "A"), before, OWNER, "other", desired=desired)


def test_claims_are_gathered_with_the_configured_prefix() -> None:
    provider, _, pipeline = setup(mapper=TXTNameMapper(prefix="zk-"))
    seed(provider,
         Endpoint.new("mixtxt.example.com", "A", ["10.0.0.1"], ttl=300),
         Endpoint.new("zk-a-mixtxt.example.com", "TXT", [HERITAGE.format(owner=OWNER, resource=MIXTXT)], ttl=300),
         Endpoint.new("zk-mixtxt.example.com", "TXT", [HERITAGE.format(owner="other", resource="r")], ttl=300))
    before = stored(provider)
    assert_contested(provider, pipeline, ("mixtxt.example.com", "A"), before, OWNER, "other", desired=mixtxt())


def test_claims_are_gathered_with_a_templated_suffix() -> None:
    provider, _, pipeline = setup(mapper=TXTNameMapper(suffix="-%{record_type}.zk"))
    seed(provider,
         Endpoint.new("mixtxt.example.com", "A", ["10.0.0.1"], ttl=300),
         Endpoint.new("mixtxt-a.zk.example.com", "TXT", [HERITAGE.format(owner=OWNER, resource=MIXTXT)], ttl=300),
         Endpoint.new("mixtxt-.zk.example.com", "TXT", [HERITAGE.format(owner="other", resource="r")], ttl=300))
    before = stored(provider)
    assert_contested(provider, pipeline, ("mixtxt.example.com", "A"), before, OWNER, "other", desired=mixtxt())


def test_sealed_and_plain_claims_by_different_owners_block_the_record() -> None:
    from zonekeeper.registry import crypto

    key = crypto.parse_key(base64.b64encode(bytes(range(32))).decode())
    provider, _, pipeline = setup(encryption_key=key)
    sealed, _ = crypto.encrypt(HERITAGE.format(owner="other", resource="r").strip('"'), key)
    seed(provider,
         Endpoint.new("mixtxt.example.com", "A", ["10.0.0.1"], ttl=300),
         Endpoint.new("a-mixtxt.example.com", "TXT", [HERITAGE.format(owner=OWNER, resource=MIXTXT)], ttl=300),
         Endpoint.new("mixtxt.example.com", "TXT", [f'"{sealed}"'], ttl=300))
    before = stored(provider)
    assert_contested(provider, pipeline, ("mixtxt.example.com", "A"), before, OWNER, "other", desired=mixtxt())


def test_one_value_naming_two_owners_blocks_the_record() -> None:
    provider, registry, pipeline = setup()
    seed(provider,
         Endpoint.new("mixtxt.example.com", "A", ["10.0.0.1"], ttl=300),
         Endpoint.new("a-mixtxt.example.com", "TXT",
                      [f'"heritage=external-dns,external-dns/owner=other,external-dns/owner={OWNER},'
                       f'external-dns/resource={MIXTXT}"'], ttl=300))
    before = stored(provider)
    assert Key("mixtxt.example.com", "A") in registry.records(provider.zones()[0]).blocked
    assert_contested(provider, pipeline, ("mixtxt.example.com", "A"), before, OWNER, "other", desired=mixtxt())


def test_claims_naming_one_owner_several_times_are_not_a_conflict() -> None:
    provider, registry, pipeline = setup()
    seed(provider,
         Endpoint.new("mixtxt.example.com", "A", ["10.0.0.1"], ttl=300),
         Endpoint.new("a-mixtxt.example.com", "TXT",
                      [f'"heritage=external-dns,external-dns/owner={OWNER},external-dns/owner={OWNER},'
                       'external-dns/resource=service/default/mixtxt"'], ttl=300),
         Endpoint.new("mixtxt.example.com", "TXT", [HERITAGE.format(owner=OWNER, resource=MIXTXT)], ttl=300))
    state = registry.records(provider.zones()[0])
    assert state.blocked == {}
    record = next(r for r in state.records if r.key == Key("mixtxt.example.com", "A"))
    assert record.owner == OWNER and record.resource == "service/default/mixtxt"
    result = pipeline.run([mixtxt()], apply=True)
    assert result.ok and [c.action for _, c in result.changes] == [Action.UPDATE]
    assert stored(provider)[("mixtxt.example.com", "A")] == ("10.0.0.2",)


def test_contested_record_of_other_owners_only_is_not_reported_when_nobody_asks() -> None:
    provider, _, pipeline = setup()
    seed(provider,
         Endpoint.new("mixtxt.example.com", "A", ["10.0.0.1"], ttl=300),
         Endpoint.new("a-mixtxt.example.com", "TXT", [HERITAGE.format(owner="x", resource="r")], ttl=300),
         Endpoint.new("mixtxt.example.com", "TXT", [HERITAGE.format(owner="y", resource="r")], ttl=300))
    result = pipeline.run([], apply=True)
    assert result.changes == [] and result.all_problems == []


# -- TXT records as managed records (issue 7, item 3) --------------------------------------------

def managed_txt_setup() -> tuple[InMemoryProvider, TXTRegistry, Pipeline]:
    provider = InMemoryProvider(["example.com"])
    registry = TXTRegistry(provider, OWNER)
    options = PlanOptions(owner_id=OWNER, managed_types=("A", "AAAA", "CNAME", "TXT"))
    return provider, registry, Pipeline(provider, registry, PipelineOptions(plan=options))


def note(value: str) -> Endpoint:
    return Endpoint.new("note.example.com", "TXT", [value], labels={"resource": "crd/default/note"})


def test_managed_txt_record_is_owned_updated_and_deleted() -> None:
    provider, registry, pipeline = managed_txt_setup()
    assert pipeline.run([note('"v=1"')], apply=True).ok
    assert stored(provider) == {
        ("note.example.com", "TXT"): ('"v=1"',),
        ("txt-note.example.com", "TXT"): (HERITAGE.format(owner=OWNER, resource="crd/default/note"),),
    }
    state = registry.records(provider.zones()[0])
    assert next(r for r in state.records if r.key == Key("note.example.com", "TXT")).owner == OWNER
    assert pipeline.run([note('"v=1"')], apply=False).changes == []
    changed = pipeline.run([note('"v=2"')], apply=True)
    assert changed.ok and changed.all_problems == []
    assert [c.action for _, c in changed.changes] == [Action.UPDATE]
    assert stored(provider)[("note.example.com", "TXT")] == ('"v=2"',)
    gone = pipeline.run([], apply=True)
    assert gone.ok and [c.action for _, c in gone.changes] == [Action.DELETE]
    assert stored(provider) == {}


def test_managed_txt_record_of_another_owner_is_left_alone() -> None:
    provider, _, pipeline = managed_txt_setup()
    seed(provider, Endpoint.new("note.example.com", "TXT", ['"v=1"'], ttl=300),
         Endpoint.new("txt-note.example.com", "TXT", [HERITAGE.format(owner="other", resource="r")], ttl=300))
    before = stored(provider)
    result = pipeline.run([note('"v=2"')], apply=True)
    assert result.changes == [] and [p.reason for p in result.all_problems] == ["OwnedByOther"]
    assert pipeline.run([], apply=True).changes == []
    assert stored(provider) == before


def test_ownership_txts_are_never_managed_records() -> None:
    provider, registry, pipeline = managed_txt_setup()
    # Ours, in both formats: a legacy TXT at the record's own name and a new-format one.
    seed(provider,
         Endpoint.new("app.example.com", "A", ["10.0.0.1"], ttl=300),
         Endpoint.new("a-app.example.com", "TXT", [HERITAGE.format(owner=OWNER, resource="service/default/app")],
                      ttl=300),
         Endpoint.new("old.example.com", "TXT", [HERITAGE.format(owner=OWNER, resource="service/default/old")],
                      ttl=300))
    state = registry.records(provider.zones()[0])
    for name in ("a-app.example.com", "old.example.com"):
        txt = next(r for r in state.records if r.key == Key(name, "TXT"))
        assert txt.owner == "", name
    result = pipeline.run([app()], apply=True)
    assert result.changes == [] and result.ok
    assert set(stored(provider)) == {("app.example.com", "A"), ("a-app.example.com", "TXT"),
                                     ("old.example.com", "TXT")}
    # Asking for a TXT record where an ownership TXT is: refused, never overwritten.
    squat = Endpoint.new("a-app.example.com", "TXT", ['"mine"'], labels={"resource": "crd/default/squat"})
    result = pipeline.run([app(), squat], apply=True)
    assert result.changes == [] and [p.reason for p in result.all_problems] == ["OwnedByOther"]
    assert stored(provider)[("a-app.example.com", "TXT")] == (
        HERITAGE.format(owner=OWNER, resource="service/default/app"),)


def test_an_incremental_pass_reads_legacy_claims_under_a_prefix() -> None:
    provider, registry, _ = setup(mapper=TXTNameMapper(prefix="zk-"))
    seed(provider,
         Endpoint.new("mixtxt.example.com", "A", ["10.0.0.1"], ttl=300),
         Endpoint.new("zk-a-mixtxt.example.com", "TXT", [HERITAGE.format(owner=OWNER, resource=MIXTXT)], ttl=300),
         Endpoint.new("zk-mixtxt.example.com", "TXT", [HERITAGE.format(owner="other", resource="r")], ttl=300))
    state = registry.records(provider.zones()[0], names={"mixtxt.example.com"})
    assert Key("mixtxt.example.com", "A") in state.blocked


def test_a_record_another_owner_claims_is_not_created() -> None:
    # The records are gone but another owner's TXTs still claim the names: creating the records
    # would leave them claimed twice (and our new-format TXT cannot be written over theirs).
    provider, registry, pipeline = setup()
    seed(provider,
         Endpoint.new("a-mixtxt.example.com", "TXT", [HERITAGE.format(owner="other", resource="r")], ttl=300),
         Endpoint.new("legacy.example.com", "TXT", [HERITAGE.format(owner="other", resource="r")], ttl=300),
         Endpoint.new("a-both.example.com", "TXT",
                      [f'"heritage=external-dns,external-dns/owner=other,external-dns/owner={OWNER}"'], ttl=300))
    before = stored(provider)
    state = registry.records(provider.zones()[0])
    assert Key("both.example.com", "A") not in registry._index(state).ours  # not ours to rewrite
    wanted = [mixtxt(), Endpoint.new("legacy.example.com", "A", ["10.0.0.3"], labels={"resource": "service/a/b"}),
              Endpoint.new("both.example.com", "A", ["10.0.0.4"], labels={"resource": "service/a/c"})]
    result = pipeline.run(wanted, apply=True)
    assert result.changes == []
    messages = {p.subject: p.message for p in result.all_problems if p.reason == "OwnershipUnclear"}
    assert set(messages) == {MIXTXT, "service/a/b", "service/a/c"}, result.all_problems
    assert "a-mixtxt.example.com already claims this name for 'other'" in messages[MIXTXT]
    assert "legacy.example.com already claims this name for 'other'" in messages["service/a/b"]
    assert stored(provider) == before


def test_a_managed_txt_record_may_not_carry_an_ownership_value() -> None:
    # Whoever may create a DNSEndpoint must not be able to write an ownership TXT through it, and so
    # take over a record nobody owns (here the unowned A victim.example.com).
    provider, _, pipeline = managed_txt_setup()
    seed(provider, Endpoint.new("victim.example.com", "A", ["10.9.9.9"], ttl=300))
    forged = Endpoint.new("a-victim.example.com", "TXT", [HERITAGE.format(owner=OWNER, resource="crd/x/forged")],
                          labels={"resource": "crd/x/forged"})
    result = pipeline.run([forged, note('"v=1"')], apply=True)
    assert [p.reason for p in result.all_problems] == ["TXTValueReserved"]
    assert result.all_problems[0].subject == "crd/x/forged"
    assert ("a-victim.example.com", "TXT") not in stored(provider)
    assert ("note.example.com", "TXT") in stored(provider)  # the rest goes on
    victim = Endpoint.new("victim.example.com", "A", ["10.0.0.1"], labels={"resource": "crd/x/forged"})
    again = pipeline.run([victim, note('"v=1"')], apply=True)
    assert again.changes == [] and [p.reason for p in again.all_problems] == ["OwnedByOther"]
    assert stored(provider)[("victim.example.com", "A")] == ("10.9.9.9",)
