"""The TXT registry's companions and its reading rules, on plain data.

Expected TXT names and values are written out by hand in external-dns's format
(`a-<name>` for an A record, `"heritage=external-dns,external-dns/owner=...,external-dns/resource=..."`).
"""

from __future__ import annotations

import base64

import pytest

from zonekeeper.changes import Action, Change, ChangeGroup
from zonekeeper.endpoint import Endpoint, Key
from zonekeeper.pipeline import Pipeline, PipelineOptions
from zonekeeper.plan import PlanOptions, Policy
from zonekeeper.providers.inmemory import InMemoryProvider
from zonekeeper.registry import crypto
from zonekeeper.registry.txt import TXTRegistry

OWNER = "cluster-a"
RES = "service/default/app"


def heritage(owner: str = OWNER, resource: str = RES) -> str:
    return f'"heritage=external-dns,external-dns/owner={owner},external-dns/resource={resource}"'


def zone_of(provider: InMemoryProvider) -> object:
    return provider.zones()[0]


def seeded(*records: Endpoint) -> InMemoryProvider:
    provider = InMemoryProvider(["example.com"])
    store = provider._records[provider.zones()[0].id]
    for r in records:
        store[r.key] = r
    return provider


def stored(provider: InMemoryProvider) -> dict[tuple[str, str, str], tuple[str, ...]]:
    return {(k.name, k.type, k.set_identifier): e.targets for k, e in provider._records[provider.zones()[0].id].items()}


def a(target: str = "10.0.0.1", *, resource: str = RES, **kw: object) -> Endpoint:
    return Endpoint.new("app.example.com", "A", [target], ttl=300, labels={"resource": resource}, **kw)  # type: ignore[arg-type]


def owned_a(target: str = "10.0.0.1", resource: str = RES) -> Endpoint:
    return Endpoint.new("app.example.com", "A", [target], ttl=300, labels={"resource": resource, "owner": OWNER})


def txt(name: str, *values: str, set_identifier: str = "") -> Endpoint:
    return Endpoint.new(name, "TXT", list(values), ttl=300, set_identifier=set_identifier)


def shape(groups: list) -> list[list[tuple[str, str, str, tuple[str, ...]]]]:  # type: ignore[type-arg]
    return [[(c.action.value, c.endpoint.name, c.endpoint.type, c.endpoint.targets) for c in g.changes] for g in groups]


# --- companions --------------------------------------------------------------------------------------


def test_a_create_is_joined_by_its_txt_create_in_one_group() -> None:
    provider = seeded()
    registry = TXTRegistry(provider, OWNER)
    state = registry.records(provider.zones()[0])
    groups = registry.companions(state, [Change.create(owned_a())])
    assert shape(groups) == [[("create", "app.example.com", "A", ("10.0.0.1",)),
                              ("create", "a-app.example.com", "TXT", (heritage(),))]]
    assert [c.key for c in groups[0].records] == [Key("app.example.com", "A")]


def test_an_update_with_the_same_labels_leaves_the_txt_alone() -> None:
    provider = seeded(a().evolve(labels=()), txt("a-app.example.com", heritage()))
    registry = TXTRegistry(provider, OWNER)
    state = registry.records(provider.zones()[0])
    current = next(r for r in state.records if r.type == "A")
    groups = registry.companions(state, [Change.update(current, owned_a("10.0.0.2"))])
    assert shape(groups) == [[("update", "app.example.com", "A", ("10.0.0.2",))]]


def test_a_new_resource_rewrites_the_txt() -> None:
    provider = seeded(a().evolve(labels=()), txt("a-app.example.com", heritage()))
    registry = TXTRegistry(provider, OWNER)
    state = registry.records(provider.zones()[0])
    current = next(r for r in state.records if r.type == "A")
    groups = registry.companions(state, [Change.update(current, owned_a(resource="ingress/web/app"))])
    assert shape(groups) == [[("update", "app.example.com", "A", ("10.0.0.1",)),
                              ("update", "a-app.example.com", "TXT", (heritage(resource="ingress/web/app"),))]]
    assert groups[0].changes[1].old is not None and groups[0].changes[1].old.targets == (heritage(),)


def test_a_delete_takes_its_txt_along_deletes_first() -> None:
    provider = seeded(a().evolve(labels=()), txt("a-app.example.com", heritage()))
    registry = TXTRegistry(provider, OWNER)
    state = registry.records(provider.zones()[0])
    current = next(r for r in state.records if r.type == "A")
    groups = registry.companions(state, [Change.delete(current)])
    assert shape(groups) == [[("delete", "app.example.com", "A", ("10.0.0.1",)),
                              ("delete", "a-app.example.com", "TXT", (heritage(),))]]


def test_a_delete_without_a_txt_of_ours_sends_only_the_record() -> None:
    provider = seeded(a().evolve(labels=()))
    registry = TXTRegistry(provider, OWNER)
    state = registry.records(provider.zones()[0])
    groups = registry.companions(state, [Change.delete(state.records[0])])
    assert shape(groups) == [[("delete", "app.example.com", "A", ("10.0.0.1",))]]


def test_the_txt_of_a_weighted_record_has_its_set_identifier_and_policy() -> None:
    provider = seeded()
    registry = TXTRegistry(provider, OWNER)
    state = registry.records(provider.zones()[0])
    record = Endpoint.new("app.example.com", "A", ["10.0.0.1"], ttl=300, set_identifier="blue",
                          provider_specific={"aws/weight": "10"}, labels={"resource": RES, "owner": OWNER})
    groups = registry.companions(state, [Change.create(record)])
    companion = groups[0].changes[1].endpoint
    assert (companion.name, companion.type, companion.set_identifier) == ("a-app.example.com", "TXT", "blue")
    assert dict(companion.provider_specific) == {"aws/weight": "10"}
    assert companion.ttl == 300  # the provider's default TTL, through its adjust


def test_changes_at_several_names_make_one_group_per_name() -> None:
    provider = seeded()
    registry = TXTRegistry(provider, OWNER)
    state = registry.records(provider.zones()[0])
    other = Endpoint.new("api.example.com", "A", ["10.0.0.5"], ttl=300, labels={"resource": RES, "owner": OWNER})
    groups = registry.companions(state, [Change.create(owned_a()), Change.create(other)])
    assert [g.name for g in groups] == ["api.example.com", "app.example.com"]
    assert [len(g.changes) for g in groups] == [2, 2]


# --- legacy TXTs ----------------------------------------------------------------------------------------


def test_a_legacy_txt_shared_by_two_records_goes_only_when_both_moved_on() -> None:
    # A legacy same-name TXT owns every record at the name (here an A and an MX).
    mx = Endpoint.new("app.example.com", "MX", ["10 mail.example.com"], ttl=300)
    provider = seeded(a().evolve(labels=()), mx, txt("app.example.com", heritage()))
    options = PlanOptions(owner_id=OWNER, managed_types=("A", "MX"), policy=Policy.UPSERT_ONLY)
    registry = TXTRegistry(provider, OWNER)
    pipeline = Pipeline(provider, registry, PipelineOptions(plan=options))
    # Only the A is still wanted; upsert-only keeps the MX, so the MX still needs the legacy TXT.
    assert pipeline.run([a()], apply=True).ok
    assert stored(provider)[("app.example.com", "TXT", "")] == (heritage(),)
    assert stored(provider)[("a-app.example.com", "TXT", "")] == (heritage(),)
    # Under sync the MX goes (with the legacy TXT it relied on), the A keeps its new-format TXT.
    sync = Pipeline(provider, TXTRegistry(provider, OWNER), PipelineOptions(plan=PlanOptions(
        owner_id=OWNER, managed_types=("A", "MX"))))
    assert sync.run([a()], apply=True).ok
    assert set(stored(provider)) == {("app.example.com", "A", ""), ("a-app.example.com", "TXT", "")}


def test_a_legacy_txt_of_another_owner_is_not_migrated() -> None:
    provider = seeded(a().evolve(labels=()), txt("app.example.com", heritage(owner="other")))
    registry = TXTRegistry(provider, OWNER)
    state = registry.records(provider.zones()[0])
    record = next(r for r in state.records if r.type == "A")
    assert record.owner == "other"
    assert state.force_update == frozenset()
    assert registry._index(state).legacy_of == {}


def test_the_cname_prefixed_txt_only_owns_alias_records() -> None:
    plain = a().evolve(labels=())
    provider = seeded(plain, txt("cname-app.example.com", heritage()))
    state = TXTRegistry(provider, OWNER).records(provider.zones()[0])
    assert next(r for r in state.records if r.type == "A").owner == ""


# --- reading ---------------------------------------------------------------------------------------------


def test_reading_only_some_names_returns_their_records_and_txts() -> None:
    other = Endpoint.new("api.example.com", "A", ["10.0.0.5"], ttl=300)
    provider = seeded(a().evolve(labels=()), txt("a-app.example.com", heritage()),
                      other, txt("a-api.example.com", heritage(resource="x")))
    registry = TXTRegistry(provider, OWNER)
    state = registry.records(provider.zones()[0], names=["app.example.com"])
    assert sorted((r.name, r.type) for r in state.records) == [("a-app.example.com", "TXT"), ("app.example.com", "A")]
    assert next(r for r in state.records if r.type == "A").owner == OWNER
    assert list(registry._index(state).ours) == [Key("app.example.com", "A")]
    assert state.owned_count == 1


def test_our_heritage_value_sharing_a_record_set_with_foreign_text_blocks_the_record() -> None:
    provider = seeded(a().evolve(labels=()), txt("a-app.example.com", heritage(), '"v=spf1 -all"'))
    state = TXTRegistry(provider, OWNER).records(provider.zones()[0])
    assert "is not a zonekeeper/external-dns ownership record" in state.blocked[Key("app.example.com", "A")]
    assert "v=spf1 -all" in state.blocked[Key("app.example.com", "A")]


def test_a_txt_that_is_not_ours_at_a_record_name_blocks_nothing_else() -> None:
    provider = seeded(txt("app.example.com", '"v=spf1 -all"'))
    state = TXTRegistry(provider, OWNER).records(provider.zones()[0])
    assert state.blocked == {}
    assert [(r.name, r.type, r.owner) for r in state.records] == [("app.example.com", "TXT", "")]


def test_two_claims_of_ours_in_one_value_set_are_not_a_txt_we_can_reuse() -> None:
    provider = seeded(txt("a-app.example.com", heritage(), heritage(resource="ingress/x/y")))
    registry = TXTRegistry(provider, OWNER)
    state = registry.records(provider.zones()[0])
    assert registry._index(state).ours == {}


def test_an_owner_id_is_required() -> None:
    with pytest.raises(ValueError, match="--txt-owner-id"):
        TXTRegistry(InMemoryProvider(["example.com"]), "")


def test_sealing_needs_a_key_and_follows_the_switch() -> None:
    key = crypto.parse_key(base64.b64encode(bytes(range(32))).decode())
    provider = InMemoryProvider(["example.com"])
    assert TXTRegistry(provider, OWNER).seal is False
    assert TXTRegistry(provider, OWNER, encryption_key=key).seal is True
    assert TXTRegistry(provider, OWNER, encryption_key=key, seal=False).seal is False
    assert TXTRegistry(provider, OWNER, encryption_key=None, seal=True).seal is False


def test_a_sealed_txt_is_written_with_a_fresh_nonce_and_read_back() -> None:
    key = crypto.parse_key(base64.b64encode(bytes(range(32))).decode())
    provider = seeded()
    registry = TXTRegistry(provider, OWNER, encryption_key=key)
    pipeline = Pipeline(provider, registry, PipelineOptions(plan=PlanOptions(owner_id=OWNER)))
    assert pipeline.run([a()], apply=True).ok
    [value] = stored(provider)[("a-app.example.com", "TXT", "")]
    assert value.startswith('"') and value.endswith('"') and "heritage" not in value
    state = TXTRegistry(provider, OWNER, encryption_key=key).records(provider.zones()[0])
    record = next(r for r in state.records if r.type == "A")
    assert (record.owner, record.resource) == (OWNER, RES)
    assert dict(record.labels) == {"owner": OWNER, "resource": RES}  # the nonce stays in the registry
    # Without the key the value is foreign text: the record is not ours and its key is blocked.
    plain_state = TXTRegistry(provider, OWNER).records(provider.zones()[0])
    assert next(r for r in plain_state.records if r.type == "A").owner == ""
    assert Key("app.example.com", "A") in plain_state.blocked


def test_check_desired_passes_writable_names_and_names_the_rest() -> None:
    provider = InMemoryProvider(["example.com"])
    registry = TXTRegistry(provider, OWNER)
    ok_endpoint = owned_a()
    bad = Endpoint.new("example.com", "A", ["10.0.0.1"])
    kept, problems = registry.check_desired(provider.zones()[0], [ok_endpoint, bad])
    assert kept == [ok_endpoint]
    assert [(p.subject, p.reason) for p in problems] == [("example.com A", "TXTNameInvalid")]
    assert problems[0].message.startswith("example.com A: ")


def test_apply_sends_the_companions() -> None:
    provider = seeded()
    registry = TXTRegistry(provider, OWNER)
    state = registry.records(provider.zones()[0])
    result = registry.apply(state, [Change.create(owned_a())])
    assert [c.action for c in result.applied] == [Action.CREATE]
    assert stored(provider) == {("app.example.com", "A", ""): ("10.0.0.1",),
                                ("a-app.example.com", "TXT", ""): (heritage(),)}


def test_changes_must_be_planned_against_the_zones_last_reading() -> None:
    # The TXT companions are written from the registry's own record of that reading: planning against
    # an older one would write them from the wrong TXT records.
    provider = seeded()
    registry = TXTRegistry(provider, OWNER)
    zone = provider.zones()[0]
    older = registry.records(zone, names=["app.example.com"])
    latest = registry.records(zone)
    with pytest.raises(ValueError, match="last reading"):
        registry.companions(older, [Change.create(owned_a())])
    assert len(registry.companions(latest, [Change.create(owned_a())])[0].changes) == 2


def test_a_full_reading_stays_plannable_while_event_passes_read_a_few_names() -> None:
    # A full pass lets event passes (which read only their names) run between its reading of a zone and
    # its apply; an older full reading, though, is one a later full read replaced.
    provider = seeded()
    registry = TXTRegistry(provider, OWNER)
    zone = provider.zones()[0]
    replaced = registry.records(zone)
    provider.apply(zone, [ChangeGroup([Change.create(Endpoint.new("other.example.com", "A", ["10.0.0.9"]))])])
    full = registry.records(zone)
    registry.records(zone, names=["other.example.com"])
    assert len(registry.companions(full, [Change.create(owned_a())])[0].changes) == 2
    with pytest.raises(ValueError, match="last reading"):
        registry.companions(replaced, [Change.create(owned_a())])
