"""The DynamoDB registry's pure part: items exactly as external-dns v0.23 keeps them, a zone's records
labelled from them, and the item writes a change set needs. No I/O here (registry/dynamodb.py does it).

One item per record set, in a table whose only key is the string hash key `k`:

    k = "<name>#<type>#<set identifier>"   o = "<owner id>"   l = {"resource": "service/default/web", ...}

`o` is the owner; `l` holds every other label (never the owner: external-dns drops it on write and
sets it from `o` on read). A table written by external-dns is read by zonekeeper and back.

Migration from the TXT registry: a record without an item but owned by us through an ownership TXT
is ours, and rewritten once (force_update) so its item is inserted; our TXT is then labelled ours, so
the planner deletes it when TXT is a managed record type. TXTs of other owners are never ours.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from zonekeeper.changes import Action, Change
from zonekeeper.endpoint import OWNER_LABEL, Endpoint, Key
from zonekeeper.providers.base import Zone
from zonekeeper.registry import labels as txt_labels
from zonekeeper.registry.base import ZoneState
from zonekeeper.registry.mapper import TXTNameMapper

__all__ = [
    "Item", "ItemError", "Op", "Reading", "Write", "Writes", "attributes", "decode_key", "encode_key",
    "item_of", "key_schema_problem", "needs_route53", "plan_writes", "read_zone", "statement",
]

KEY, OWNER, LABELS = "k", "o", "l"

Pairs = tuple[tuple[str, str], ...]


class ItemError(ValueError):
    """An item that is not in external-dns's layout."""


def encode_key(key: Key) -> str:
    return f"{key.name}#{key.type}#{key.set_identifier}"


def decode_key(text: str) -> Key:
    # Like external-dns (strings.SplitN(k, "#", 3)): a set identifier may itself hold '#'.
    parts = text.split("#", 2)
    if len(parts) != 3:
        raise ItemError(f"item key {text!r} is not '<name>#<type>#<set identifier>'")
    return Key(*parts)


@dataclass(slots=True, frozen=True)
class Item:
    key: Key
    owner: str
    labels: Pairs = ()  # every label but the owner, sorted

    def record_labels(self) -> dict[str, str]:
        out = dict(self.labels)
        out[OWNER_LABEL] = self.owner
        return out


def _pairs(record_labels: Mapping[str, str]) -> Pairs:
    return tuple(sorted((k, v) for k, v in record_labels.items() if k != OWNER_LABEL))


def _string(attributes: Mapping[str, Any], name: str) -> str:
    value = attributes.get(name)
    if not isinstance(value, Mapping) or not isinstance(value.get("S"), str):
        raise ItemError(f"item has no string attribute {name!r}")
    return str(value["S"])


def item_of(attributes: Mapping[str, Any]) -> Item:
    """An item as DynamoDB returns it (attribute-value form)."""
    key = decode_key(_string(attributes, KEY))
    owner = _string(attributes, OWNER)
    raw = attributes.get(LABELS)
    if raw is None:
        return Item(key, owner)
    if not isinstance(raw, Mapping) or not isinstance(raw.get("M"), Mapping):
        raise ItemError(f"item {encode_key(key)!r}: attribute 'l' is not a map")
    found: dict[str, str] = {}
    for name, value in raw["M"].items():
        if not isinstance(value, Mapping) or not isinstance(value.get("S"), str):
            raise ItemError(f"item {encode_key(key)!r}: label {name!r} is not a string")
        found[name] = value["S"]
    return Item(key, owner, _pairs(found))


def attributes(key: Key, owner: str, record_labels: Mapping[str, str] | Pairs) -> dict[str, Any]:
    """The item for `key` in attribute-value form."""
    pairs = _pairs(dict(record_labels))
    return {
        KEY: {"S": encode_key(key)},
        OWNER: {"S": owner},
        LABELS: {"M": {k: {"S": v} for k, v in pairs}},
    }


def key_schema_problem(table_name: str, table: Mapping[str, Any]) -> str | None:
    """What is wrong with the table's key schema (DescribeTable's `Table`), as external-dns checks
    it; None when it is a hash key `k` of type S and nothing else. The table is never created."""
    definitions = {d.get("AttributeName"): d.get("AttributeType") for d in table.get("AttributeDefinitions", ())}
    if KEY not in definitions:
        return f'table "{table_name}" must have attribute "k" of type "S"'
    if definitions[KEY] != "S":
        return f'table "{table_name}" attribute "k" must have type "S"'
    schema = list(table.get("KeySchema", ()))
    if not schema or schema[0].get("AttributeName") != KEY:
        return f'table "{table_name}" must have hash key "k"'
    if len(schema) > 1:
        return f'table "{table_name}" must not have a range key'
    return None


# -- reading a zone ----------------------------------------------------------------------------------


@dataclass(slots=True, frozen=True)
class Reading:
    state: ZoneState
    # The items of the zone's names (every owner's): what writes are planned against.
    items: Mapping[Key, Item]


# TXT ownership claims by (record name, record type or "" for the legacy format, set identifier).
_Claims = dict[tuple[str, str, str], list[txt_labels.Labels]]


def _txt_claims(records: Iterable[Endpoint], mapper: TXTNameMapper, aes_key: bytes | None
                ) -> tuple[_Claims, dict[Key, tuple[str, str, str]]]:
    claims: _Claims = defaultdict(list)
    slots: dict[Key, tuple[str, str, str]] = {}  # ownership TXT -> the slot it claims
    for record in records:
        if record.type != "TXT":
            continue
        values = [txt_labels.parse(v, aes_key=aes_key) for v in record.targets]
        mapped = mapper.to_endpoint_name(record.name)
        if mapped is None or not values or any(v is None for v in values):
            continue
        slot = (mapped[0], mapped[1], record.set_identifier)
        claims[slot].extend(v for v in values if v is not None)
        slots[record.key] = slot
    return claims, slots


def _claimed_by(record: Endpoint) -> list[tuple[str, str, str]]:
    """The claim slots that can own `record`: its own type, `cname-` for an alias A (before v0.22), and
    the legacy type-less name (which never covered AAAA)."""
    name, set_identifier = record.name, record.set_identifier
    slots = [(name, record.type, set_identifier)]
    if record.type == "A" and record.is_alias:
        slots.append((name, "CNAME", set_identifier))
    if record.type != "AAAA":
        slots.append((name, "", set_identifier))
    return slots


@dataclass(slots=True)
class _Draft:
    records: list[Endpoint] = field(default_factory=list)
    blocked: dict[Key, str] = field(default_factory=dict)
    migrating: set[Key] = field(default_factory=set)
    # The claim slots those records are still owned through: their TXTs stay until the items exist.
    pending: set[tuple[str, str, str]] = field(default_factory=set)
    owned: int = 0


def read_zone(
    zone: Zone,
    records: Sequence[Endpoint],
    items: Mapping[Key, Item],
    owner_id: str,
    mapper: TXTNameMapper,
    aes_key: bytes | None,
    names: Collection[str] | None = None,
) -> Reading:
    """The zone's records labelled from the table (`items`: the whole table's, by key)."""
    if names is not None:
        records = [r for r in records if r.name in names]
    zone_items = {k: i for k, i in items.items()
                  if zone.contains(k.name) and (names is None or k.name in names)}
    claims, ownership = _txt_claims(records, mapper, aes_key)
    draft = _Draft()
    for record in records:
        if record.key not in ownership:
            draft.records.append(_label(record, zone_items, claims, owner_id, draft))
    for record in records:
        if record.key in ownership:
            draft.records.append(_label_ownership_txt(record, zone_items, ownership[record.key], claims,
                                                      owner_id, draft))
    _block_claimed(zone_items, {r.key for r in records}, owner_id, draft)
    state = ZoneState(zone, records=draft.records, blocked=draft.blocked,
                      force_update=frozenset(draft.migrating), owned_count=draft.owned)
    return Reading(state, zone_items)


def _block_claimed(items: Mapping[Key, Item], existing: Collection[Key], owner_id: str, draft: _Draft) -> None:
    """Names another owner's item claims without a record: created by us, they would be claimed twice."""
    for key, item in items.items():
        if item.owner != owner_id and key not in existing:
            draft.blocked[key] = (f"the DynamoDB item {encode_key(key)!r} names owner '{item.owner}'; "
                                  "delete that item if its owner no longer uses the record")


def _label(record: Endpoint, items: Mapping[Key, Item], claims: _Claims, owner_id: str, draft: _Draft) -> Endpoint:
    item = items.get(record.key)
    if item is not None:
        draft.owned += item.owner == owner_id
        return record.with_labels(**item.record_labels())
    slots = [slot for slot in _claimed_by(record) if slot in claims]
    found = [value for slot in slots for value in claims[slot]]
    owners = sorted({c.get(OWNER_LABEL, "") for c in found})
    if len(owners) > 1:
        draft.blocked[record.key] = (f"the TXT records claiming this record disagree (owners: {', '.join(owners)}); "
                                     "it is left as it is until the wrong TXT records are removed")
        return record
    if not found:
        return record
    if owners == [owner_id]:
        draft.migrating.add(record.key)  # rewritten once: its item is inserted
        draft.pending.update(slots)
        draft.owned += 1
    return record.with_labels(**found[-1])


def _label_ownership_txt(record: Endpoint, items: Mapping[Key, Item], slot: tuple[str, str, str],
                         claims: _Claims, owner_id: str, draft: _Draft) -> Endpoint:
    """Our ownership TXT is ours to delete once no record still depends on it for its migration."""
    if record.key in items:  # an ownership TXT with an item of its own: as the item says
        return _label(record, items, claims, owner_id, draft)
    if [c.get(OWNER_LABEL, "") for c in claims[slot]] != [owner_id] * len(claims[slot]):
        return record
    return record if slot in draft.pending else record.with_labels(owner=owner_id)


# -- writing -----------------------------------------------------------------------------------------


class Op(StrEnum):
    INSERT = "insert"  # only if no item has the key (external-dns: PartiQL INSERT, DuplicateItem)
    UPDATE = "update"  # the labels of our item
    DELETE = "delete"  # only if the item is ours


@dataclass(slots=True, frozen=True)
class Write:
    op: Op
    key: Key
    labels: Pairs = ()
    change: Change | None = field(default=None, compare=False)  # the record change it belongs to


@dataclass(slots=True)
class Writes:
    before: list[Write] = field(default_factory=list)  # before the record changes are sent
    after: list[Write] = field(default_factory=list)  # once they are applied (deletes)
    refused: list[tuple[Change, str]] = field(default_factory=list)


def needs_route53(change: Change) -> bool:
    """Whether the change touches Route 53: an update of labels only (a new resource, a migration)
    is an item write alone."""
    return not (change.action is Action.UPDATE and change.old is not None and change.new is not None
                and change.old.same_record(change.new))


def plan_writes(changes: Iterable[Change], items: Mapping[Key, Item], owner_id: str) -> Writes:
    """The item writes that keep the table beside `changes`; a change whose item names another
    owner is refused (never sent): that record is not ours, whatever its labels say."""
    out = Writes()
    for change in changes:
        key = change.key
        item = items.get(key)
        if item is not None and item.owner != owner_id:
            out.refused.append((change, f"the DynamoDB item {encode_key(key)!r} names owner '{item.owner}'"))
            continue
        if change.action is Action.DELETE:
            if item is not None:
                out.after.append(Write(Op.DELETE, key, change=change))
            continue
        assert change.new is not None
        wanted = _pairs(dict(change.new.labels))
        if item is None:
            out.before.append(Write(Op.INSERT, key, wanted, change))
        elif item.labels != wanted:
            out.before.append(Write(Op.UPDATE, key, wanted, change))
    return out


def statement(write: Write, table: str, owner_id: str) -> dict[str, Any]:
    """The write as a PartiQL statement of BatchExecuteStatement, the statements external-dns sends
    (so the IAM policy external-dns documents, PartiQLInsert/Update/Delete, serves zonekeeper too).
    An INSERT fails with DuplicateItem when any item has the key; an UPDATE (unlike external-dns's)
    and a DELETE apply only while the item's owner is us, else ConditionalCheckFailed."""
    item = attributes(write.key, owner_id, write.labels)
    if write.op is Op.INSERT:
        return {"Statement": f"INSERT INTO \"{table}\" VALUE {{'k':?, 'o':?, 'l':?}}",
                "Parameters": [item[KEY], item[OWNER], item[LABELS]]}
    if write.op is Op.UPDATE:
        return {"Statement": f'UPDATE "{table}" SET "l"=? WHERE "k"=? AND "o"=?',
                "Parameters": [item[LABELS], item[KEY], item[OWNER]]}
    return {"Statement": f'DELETE FROM "{table}" WHERE "k"=? AND "o"=?', "Parameters": [item[KEY], item[OWNER]]}
