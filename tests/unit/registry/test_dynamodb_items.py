"""The DynamoDB registry's pure part: items as external-dns v0.23 writes them, a zone's records labelled
from items (and from TXT records being migrated), and the item writes a change set needs."""

from __future__ import annotations

import pytest

from zonekeeper.changes import Change
from zonekeeper.endpoint import Endpoint, Key
from zonekeeper.providers.base import Zone
from zonekeeper.registry import dynamodb_items as di
from zonekeeper.registry.mapper import TXTNameMapper

OWNER = "cluster-a"
ZONE = Zone("Z1", "example.com")


def a(name: str = "app.example.com", target: str = "10.0.0.1", **labels: str) -> Endpoint:
    return Endpoint.new(name, "A", [target], labels=labels)


def txt(name: str, owner: str, resource: str = "service/default/app") -> Endpoint:
    value = f'"heritage=external-dns,external-dns/owner={owner},external-dns/resource={resource}"'
    return Endpoint.new(name, "TXT", [value])


# -- item encoding -------------------------------------------------------------------------------

def test_key_is_name_type_set_identifier_joined_by_hash() -> None:
    assert di.encode_key(Key("app.example.com", "A")) == "app.example.com#A#"
    assert di.encode_key(Key("app.example.com", "CNAME", "eu")) == "app.example.com#CNAME#eu"


def test_key_decoding_splits_at_the_first_two_hashes_only() -> None:
    assert di.decode_key("app.example.com#A#") == Key("app.example.com", "A", "")
    assert di.decode_key("app.example.com#A#eu#1") == Key("app.example.com", "A", "eu#1")


def test_a_key_without_two_hashes_is_refused_with_its_text() -> None:
    with pytest.raises(di.ItemError, match=r"app\.example\.com#A"):
        di.decode_key("app.example.com#A")


def test_attributes_are_k_o_and_l_without_the_owner_label() -> None:
    attributes = di.attributes(Key("app.example.com", "A"), OWNER,
                               {"owner": OWNER, "resource": "service/default/app"})
    assert attributes == {
        "k": {"S": "app.example.com#A#"},
        "o": {"S": OWNER},
        "l": {"M": {"resource": {"S": "service/default/app"}}},
    }


def test_an_item_read_back_labels_its_record_with_the_item_owner() -> None:
    item = di.item_of({"k": {"S": "app.example.com#A#"}, "o": {"S": "other"},
                       "l": {"M": {"resource": {"S": "ingress/x/y"}, "owner": {"S": "forged"}}}})
    assert item.key == Key("app.example.com", "A")
    assert item.owner == "other"
    # The `o` attribute is the owner; an `owner` inside `l` cannot override it (external-dns sets it from `o`).
    assert item.record_labels() == {"owner": "other", "resource": "ingress/x/y"}


def test_an_item_without_labels_has_only_its_owner() -> None:
    item = di.item_of({"k": {"S": "app.example.com#A#"}, "o": {"S": OWNER}})
    assert item.record_labels() == {"owner": OWNER}


@pytest.mark.parametrize("attributes, problem", [
    ({"o": {"S": OWNER}}, "no string attribute 'k'"),
    ({"k": {"S": "app.example.com#A#"}}, "no string attribute 'o'"),
    ({"k": {"S": "app.example.com#A#"}, "o": {"S": OWNER}, "l": {"S": "x"}}, "'l' is not a map"),
    ({"k": {"S": "app.example.com#A#"}, "o": {"S": OWNER}, "l": {"M": {"a": {"N": "1"}}}}, "label 'a'"),
])
def test_malformed_items_are_refused_naming_the_problem(attributes: dict[str, object], problem: str) -> None:
    with pytest.raises(di.ItemError, match=problem):
        di.item_of(attributes)


# -- the table's key schema ----------------------------------------------------------------------

def _table(keys: list[tuple[str, str]], attrs: list[tuple[str, str]]) -> dict[str, object]:
    return {"KeySchema": [{"AttributeName": n, "KeyType": t} for n, t in keys],
            "AttributeDefinitions": [{"AttributeName": n, "AttributeType": t} for n, t in attrs]}


def test_the_expected_key_schema_is_accepted() -> None:
    assert di.key_schema_problem("external-dns", _table([("k", "HASH")], [("k", "S")])) is None


@pytest.mark.parametrize("table, problem", [
    (_table([("k", "HASH")], [("k", "N")]), 'attribute "k" must have type "S"'),
    (_table([("id", "HASH")], [("id", "S")]), 'must have attribute "k" of type "S"'),
    (_table([("id", "HASH"), ("k", "RANGE")], [("id", "S"), ("k", "S")]), 'must have hash key "k"'),
    (_table([("k", "HASH"), ("r", "RANGE")], [("k", "S"), ("r", "S")]), "must not have a range key"),
])
def test_a_wrong_key_schema_is_refused_like_external_dns(table: dict[str, object], problem: str) -> None:
    message = di.key_schema_problem("external-dns", table)
    assert message is not None and problem in message and "external-dns" in message


# -- reading a zone ------------------------------------------------------------------------------

def _read(records: list[Endpoint], items: list[di.Item], *, txt_managed: bool = True) -> di.Reading:
    return di.read_zone(ZONE, records, {i.key: i for i in items}, OWNER, TXTNameMapper(), None)


def test_records_take_the_labels_of_their_items() -> None:
    mine = di.Item(Key("app.example.com", "A"), OWNER, (("resource", "service/default/app"),))
    theirs = di.Item(Key("db.example.com", "A"), "other", ())
    reading = _read([a(), a("db.example.com"), a("free.example.com")], [mine, theirs])
    labels = {r.name: dict(r.labels) for r in reading.state.records}
    assert labels == {"app.example.com": {"owner": OWNER, "resource": "service/default/app"},
                      "db.example.com": {"owner": "other"}, "free.example.com": {}}
    assert reading.state.owned_count == 1


def test_an_item_of_another_owner_without_its_record_blocks_the_name() -> None:
    theirs = di.Item(Key("db.example.com", "A"), "other", ())
    reading = _read([], [theirs])
    assert "'other'" in reading.state.blocked[Key("db.example.com", "A")]


def test_items_of_names_outside_the_zone_are_ignored() -> None:
    theirs = di.Item(Key("db.example.org", "A"), "other", ())
    assert _read([], [theirs]).state.blocked == {}


def test_a_record_owned_through_our_txt_is_ours_and_migrated() -> None:
    reading = _read([a(), txt("a-app.example.com", OWNER)], [])
    app = next(r for r in reading.state.records if r.type == "A")
    assert app.owner == OWNER and app.resource == "service/default/app"
    assert reading.state.force_update == frozenset({app.key})
    # The TXT stays unlabelled (untouchable) until the record's item exists.
    ownership = next(r for r in reading.state.records if r.type == "TXT")
    assert ownership.owner == ""


def test_a_record_owned_through_a_legacy_txt_is_migrated_too() -> None:
    reading = _read([a(), txt("app.example.com", OWNER)], [])
    assert reading.state.force_update == frozenset({Key("app.example.com", "A")})


def test_our_txt_of_a_migrated_record_is_ours_to_delete() -> None:
    mine = di.Item(Key("app.example.com", "A"), OWNER, (("resource", "service/default/app"),))
    reading = _read([a(), txt("a-app.example.com", OWNER)], [mine])
    ownership = next(r for r in reading.state.records if r.type == "TXT")
    assert ownership.owner == OWNER
    assert reading.state.force_update == frozenset()


def test_txt_of_another_owner_is_never_ours() -> None:
    reading = _read([a(), txt("a-app.example.com", "other"), txt("a-gone.example.com", "other")], [])
    by_name = {r.name: r for r in reading.state.records}
    assert by_name["app.example.com"].owner == "other"
    assert by_name["a-app.example.com"].owner == ""
    assert by_name["a-gone.example.com"].owner == ""
    assert reading.state.force_update == frozenset()


def test_an_item_wins_over_a_txt_record() -> None:
    theirs = di.Item(Key("app.example.com", "A"), "other", ())
    reading = _read([a(), txt("a-app.example.com", OWNER)], [theirs])
    app = next(r for r in reading.state.records if r.type == "A")
    assert app.owner == "other" and reading.state.force_update == frozenset()


def test_names_limit_the_reading() -> None:
    theirs = di.Item(Key("db.example.com", "A"), "other", ())
    reading = di.read_zone(ZONE, [a(), a("db.example.com")], {theirs.key: theirs}, OWNER, TXTNameMapper(), None,
                           names={"app.example.com"})
    assert [r.name for r in reading.state.records] == ["app.example.com"]
    assert reading.state.blocked == {}


# -- writing -------------------------------------------------------------------------------------

def _mine(key: Key, **labels: str) -> di.Item:
    return di.Item(key, OWNER, tuple(sorted(labels.items())))


def test_a_create_inserts_an_item_before_the_record_is_written() -> None:
    new = a(resource="service/default/app")
    writes = di.plan_writes([Change.create(new)], {}, OWNER)
    assert writes.before == [di.Write(di.Op.INSERT, new.key, (("resource", "service/default/app"),))]
    assert writes.after == [] and writes.refused == []


def test_a_create_over_our_orphaned_item_updates_its_labels() -> None:
    new = a(resource="service/default/new")
    items = {new.key: _mine(new.key, resource="service/default/old")}
    writes = di.plan_writes([Change.create(new)], items, OWNER)
    assert writes.before == [di.Write(di.Op.UPDATE, new.key, (("resource", "service/default/new"),))]


def test_an_update_with_unchanged_labels_writes_no_item() -> None:
    old = a(owner=OWNER, resource="service/default/app")
    new = a(target="10.0.0.2", resource="service/default/app")
    writes = di.plan_writes([Change.update(old, new)], {old.key: _mine(old.key, resource="service/default/app")}, OWNER)
    assert writes.before == [] and writes.after == []


def test_an_update_of_a_record_without_item_inserts_one_migration() -> None:
    old = a(owner=OWNER, resource="service/default/app")
    writes = di.plan_writes([Change.update(old, a(resource="service/default/app"))], {}, OWNER)
    assert [w.op for w in writes.before] == [di.Op.INSERT]


def test_a_delete_removes_our_item_after_the_record() -> None:
    old = a(owner=OWNER)
    writes = di.plan_writes([Change.delete(old)], {old.key: _mine(old.key)}, OWNER)
    assert writes.before == [] and writes.after == [di.Write(di.Op.DELETE, old.key, ())]


def test_deleting_a_record_without_item_writes_nothing() -> None:
    old = txt("a-app.example.com", OWNER).with_labels(owner=OWNER)
    writes = di.plan_writes([Change.delete(old)], {}, OWNER)
    assert writes.before == [] and writes.after == [] and writes.refused == []


@pytest.mark.parametrize("change", [
    Change.delete(a(owner=OWNER)),
    Change.update(a(owner=OWNER), a(target="10.0.0.2")),
    Change.create(a()),
])
def test_no_change_is_made_to_a_record_whose_item_names_another_owner(change: Change) -> None:
    items = {change.key: di.Item(change.key, "other", ())}
    writes = di.plan_writes([change], items, OWNER)
    assert writes.before == [] and writes.after == []
    assert [(c, "other" in reason) for c, reason in writes.refused] == [(change, True)]


def test_an_update_of_labels_only_is_not_a_route53_change() -> None:
    old = a(owner=OWNER, resource="service/default/old")
    assert di.needs_route53(Change.update(old, a(resource="service/default/new"))) is False
    assert di.needs_route53(Change.update(old, a(target="10.0.0.9"))) is True
    assert di.needs_route53(Change.create(a())) is True


def test_an_alias_a_record_owned_through_a_pre_v022_cname_txt_is_migrated_and_its_txt_kept_meanwhile() -> None:
    alias = Endpoint.new("app.example.com", "A", ["lb.example.net"], provider_specific={"alias": "true"})
    reading = _read([alias, txt("cname-app.example.com", OWNER)], [])
    assert reading.state.force_update == frozenset({alias.key})
    ownership = next(r for r in reading.state.records if r.type == "TXT")
    assert ownership.owner == ""  # still needed until the item exists


# -- statements (external-dns's PartiQL, so that its IAM policy serves zonekeeper too) -------------

def test_an_insert_is_external_dns_partiql_insert() -> None:
    write = di.Write(di.Op.INSERT, Key("app.example.com", "A"), (("resource", "service/default/app"),))
    assert di.statement(write, "external-dns", OWNER) == {
        "Statement": "INSERT INTO \"external-dns\" VALUE {'k':?, 'o':?, 'l':?}",
        "Parameters": [{"S": "app.example.com#A#"}, {"S": OWNER}, {"M": {"resource": {"S": "service/default/app"}}}],
    }


def test_an_update_changes_the_labels_of_our_item_only() -> None:
    write = di.Write(di.Op.UPDATE, Key("app.example.com", "A", "eu"), (("resource", "ingress/x/y"),))
    assert di.statement(write, "dns", OWNER) == {
        "Statement": 'UPDATE "dns" SET "l"=? WHERE "k"=? AND "o"=?',
        "Parameters": [{"M": {"resource": {"S": "ingress/x/y"}}}, {"S": "app.example.com#A#eu"}, {"S": OWNER}],
    }


def test_a_delete_is_external_dns_partiql_delete() -> None:
    write = di.Write(di.Op.DELETE, Key("app.example.com", "A"))
    assert di.statement(write, "external-dns", OWNER) == {
        "Statement": 'DELETE FROM "external-dns" WHERE "k"=? AND "o"=?',
        "Parameters": [{"S": "app.example.com#A#"}, {"S": OWNER}],
    }
