"""The DynamoDB registry (`--registry=dynamodb`): ownership kept as items of a DynamoDB table, in
external-dns v0.23's layout (registry/dynamodb_items.py), so either tool takes over from the other.

The I/O edge: the table's boto3 client, called from the pipeline's worker thread like the Route 53
client. Writes are external-dns's PartiQL statements (BatchExecuteStatement, 25 at a time: its IAM
policy serves), each conditional, so two owners never both hold a record:

* before a record is created, its item is inserted, which fails with DuplicateItem when any item has
  its key; a lost race refuses that record's change;
* label updates and deletes of an item apply only while its owner (`o`) is us;
* an item goes after its record's deletion was applied; an item put for a create Route 53 then
  refused is taken back.

The table is read with one consistent Scan (every owner's items: another owner's item labels its
record, which is then never ours) and kept current from our own writes; a full pass reads it again
once the reading is older than `max_scan_age`. The table is never created, only its key schema checked.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any

from zonekeeper.changes import Action, Change, group_by_name
from zonekeeper.endpoint import Endpoint, Key, Problem
from zonekeeper.providers.base import ApplyResult, Provider, ProviderError, Zone
from zonekeeper.registry import labels
from zonekeeper.registry.base import ZoneState, reading_of
from zonekeeper.registry.dynamodb_items import (
    Item,
    ItemError,
    Op,
    Reading,
    Write,
    encode_key,
    item_of,
    key_schema_problem,
    needs_route53,
    plan_writes,
    read_zone,
    statement,
)
from zonekeeper.registry.mapper import TXTNameMapper

__all__ = ["DynamoDBRegistry", "DynamoDBTable"]

log = logging.getLogger(__name__)

# A conditional write refused: the item exists (INSERT) or is not ours (UPDATE, DELETE).
_LOST_RACE = ("DuplicateItem", "ConditionalCheckFailed")
_BATCH = 25


def _error(exc: Exception) -> tuple[str, str]:
    from botocore.exceptions import ClientError

    if isinstance(exc, ClientError):
        err = exc.response.get("Error", {})
        return str(err.get("Code", "Error")), str(err.get("Message", exc))
    return type(exc).__name__, str(exc)


class DynamoDBTable:
    """One DynamoDB table through a boto3 client; botocore's errors become ProviderError or reasons."""

    def __init__(self, client: Any, name: str) -> None:
        self.client = client
        self.name = name

    def _call(self, what: str, operation: str, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return getattr(self.client, operation)(TableName=self.name, **kwargs)
        except (ClientError, BotoCoreError) as exc:
            code, message = _error(exc)
            if code == "ResourceNotFoundException":
                raise ProviderError(
                    f"DynamoDB table {self.name!r} does not exist: create it with a partition (HASH) key 'k' of "
                    "type S and no sort key (--dynamodb-table, --dynamodb-region; docs/migration.md)") from exc
            raise ProviderError(f"{what} DynamoDB table {self.name!r}: {code}: {message}") from exc

    def read(self) -> tuple[dict[Key, Item], list[str]]:
        """Every item of the table (checked first: its key schema must be external-dns's), and a
        message for each item that is not in that layout (left alone, never guessed at)."""
        table = self._call("describing", "describe_table")["Table"]
        problem = key_schema_problem(self.name, table)
        if problem is not None:
            raise ProviderError(problem)
        items: dict[Key, Item] = {}
        problems: list[str] = []
        start: dict[str, Any] | None = None
        while True:
            extra = {"ExclusiveStartKey": start} if start else {}
            page = self._call("scanning", "scan", ConsistentRead=True, **extra)
            for raw in page.get("Items", ()):
                try:
                    item = item_of(raw)
                except ItemError as exc:
                    problems.append(f"DynamoDB table {self.name!r}: {exc}")
                    continue
                items[item.key] = item
            start = page.get("LastEvaluatedKey")
            if not start:
                return items, problems

    def write(self, writes: Sequence[Write], owner_id: str) -> list[str | None]:
        """Carry out conditional writes, 25 to a BatchExecuteStatement call (DynamoDB's limit); for
        each, the reason it was refused, or None."""
        from botocore.exceptions import BotoCoreError, ClientError

        out: list[str | None] = []
        for start in range(0, len(writes), _BATCH):
            chunk = writes[start:start + _BATCH]
            try:
                answer = self.client.batch_execute_statement(
                    Statements=[statement(w, self.name, owner_id) for w in chunk])
            except (ClientError, BotoCoreError) as exc:  # every write of the chunk is refused with it
                code, message = _error(exc)
                out += [f"writing to DynamoDB table {self.name!r}: {code}: {message}"] * len(chunk)
                continue
            out += [_refusal(w, r) for w, r in zip(chunk, answer.get("Responses", ()), strict=True)]
        return out


def _refusal(write: Write, response: Mapping[str, Any]) -> str | None:
    error = response.get("Error")
    if not error:
        return None
    code = error.get("Code", "Error")
    if code in _LOST_RACE:
        return f"the DynamoDB item {encode_key(write.key)!r} belongs to another owner ({write.op.value}: {code})"
    return f"{write.op.value} of DynamoDB item {encode_key(write.key)!r}: {code}: {error.get('Message', '')}"


class DynamoDBRegistry:
    def __init__(
        self,
        provider: Provider,
        owner_id: str,
        table: DynamoDBTable,
        mapper: TXTNameMapper | None = None,
        encryption_key: bytes | None = None,
        *,
        max_scan_age: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if not owner_id:
            raise ValueError("the DynamoDB registry needs an owner id (--txt-owner-id)")
        self.provider = provider
        self.owner_id = owner_id
        self.table = table
        # For migrating from the TXT registry: how its TXT records are named and sealed.
        self.mapper = mapper or TXTNameMapper()
        self.encryption_key = encryption_key
        self.max_scan_age = max_scan_age
        self.clock = clock
        self._items: dict[Key, Item] | None = None
        self._problems: list[str] = []
        self._read_at = 0.0
        self._last: dict[str, Reading] = {}
        # The last full reading of each zone: a full pass lets event passes (a few names) run between
        # reading a zone and applying its plan, and leaves their names alone.
        self._full: dict[str, Reading] = {}

    def _table_items(self, full: bool) -> dict[Key, Item]:
        stale = full and self.clock() - self._read_at >= self.max_scan_age
        if self._items is None or stale:
            self._items, self._problems = self.table.read()
            self._read_at = self.clock()
        return self._items

    def records(self, zone: Zone, names: Collection[str] | None = None) -> ZoneState:
        items = self._table_items(full=names is None)
        reading = read_zone(zone, self.provider.records(zone), items, self.owner_id, self.mapper,
                            self.encryption_key, names)
        reading.state.problems.extend(Problem(f"dynamodb/{self.table.name}", "DynamoDBItemInvalid", p)
                                      for p in self._problems)
        self._last[zone.id] = reading
        if names is None:
            self._full[zone.id] = reading
        return reading.state

    def check_desired(self, zone: Zone, endpoints: Sequence[Endpoint]) -> tuple[list[Endpoint], list[Problem]]:
        """An item can be kept for any record; but TXT ownership values are still read (migration), so
        a desired TXT record holding one is refused, as the TXT registry refuses it."""
        ok: list[Endpoint] = []
        problems: list[Problem] = []
        for endpoint in endpoints:
            reserved = labels.reserved_value(endpoint, aes_key=self.encryption_key)
            if reserved is None:
                ok.append(endpoint)
            else:
                problems.append(reserved)
        return ok, problems

    def apply(self, state: ZoneState, changes: Sequence[Change]) -> ApplyResult:
        reading = reading_of(state, self._last.get(state.zone.id), self._full.get(state.zone.id))
        writes = plan_writes(changes, reading.items, self.owner_id)
        result = ApplyResult(failed=list(writes.refused))
        inserted = self._write_before(writes.before, result)
        ready = _hold_names(changes, result)
        result.applied.extend(c for c in ready if not needs_route53(c))
        sent = self.provider.apply(state.zone, group_by_name([c for c in ready if needs_route53(c)]))
        result.extend(sent)
        refused = [c for c, _ in sent.failed if c.action is Action.CREATE]
        # Items of deleted records go; items put for creates Route 53 refused are taken back (they
        # would claim records that do not exist).
        self._delete_items([w for w in writes.after if w.change in sent.applied]
                           + [Write(Op.DELETE, w.key, change=w.change) for w in inserted if w.change in refused])
        return result

    def _write_before(self, writes: Sequence[Write], result: ApplyResult) -> list[Write]:
        """The writes due before the record changes; those refused fail their change. The inserts made."""
        inserted: list[Write] = []
        for write, reason in zip(writes, self.table.write(writes, self.owner_id), strict=True):
            if reason is None:
                self._remember(write)
                inserted += [write] if write.op is Op.INSERT else []
            elif write.change is not None:
                result.failed.append((write.change, reason))
        return inserted

    def _remember(self, write: Write) -> None:
        if self._items is None:
            return
        if write.op is Op.DELETE:
            self._items.pop(write.key, None)
        else:
            self._items[write.key] = Item(write.key, self.owner_id, write.labels)

    def _delete_items(self, writes: Sequence[Write]) -> None:
        for write, reason in zip(writes, self.table.write(writes, self.owner_id), strict=True):
            if reason is None:
                self._remember(write)
            else:
                # The record is gone, its item stays: the name stays ours (reused if the record comes back).
                log.warning("could not delete DynamoDB item %s: %s", encode_key(write.key), reason)
                self._items = None  # read the table again next time


def _hold_names(changes: Sequence[Change], result: ApplyResult) -> list[Change]:
    """The changes still to send: a name goes all or nothing (a CNAME-to-alias swap is a delete and a
    create at one name), so a refused change holds back the others at its name."""
    held = {c.key.name for c, _ in result.failed}
    for change in changes:
        if change.key.name in held and all(change is not c for c, _ in result.failed):
            result.failed.append((change, "not applied: another change at this name was refused"))
    return [c for c in changes if c.key.name not in held]
