"""Change groups as Route 53 change dicts, packed into as few requests as its limits allow.

Updates are sent as DELETE of the record exactly as we last saw it plus CREATE of the new one, not
as UPSERT: Route 53 counts both the same, but the DELETE fails if someone changed the record behind
our back, so we never overwrite what we did not see.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from zonekeeper.changes import Action, Change, ChangeGroup
from zonekeeper.endpoint import Key
from zonekeeper.providers.route53 import batching
from zonekeeper.providers.route53.options import Route53Options
from zonekeeper.providers.route53.records import RecordKeys
from zonekeeper.providers.route53.rrsets import RRSet, canonical_key, rrset_from_endpoint

BotoChange = dict[str, Any]  # {"Action": "CREATE"|"DELETE", "ResourceRecordSet": {...}}
RawLookup = Callable[[Key], RRSet | None]  # the record set as Route 53 listed it, if it differs


def boto_changes(change: Change, raw: RawLookup) -> list[BotoChange]:
    out: list[BotoChange] = []
    if change.action in (Action.DELETE, Action.UPDATE):
        assert change.old is not None
        out.append({"Action": "DELETE", "ResourceRecordSet": raw(change.old.key) or rrset_from_endpoint(change.old)})
    if change.action in (Action.CREATE, Action.UPDATE):
        assert change.new is not None
        out.append({"Action": "CREATE", "ResourceRecordSet": rrset_from_endpoint(change.new)})
    return out


@dataclass(slots=True, frozen=True)
class Outgoing:
    """A change group and the Route 53 changes it is sent as (always together, in one request)."""

    group: ChangeGroup
    changes: tuple[BotoChange, ...]

    @property
    def records(self) -> list[Change]:
        """The record changes to report as applied or failed."""
        return self.group.records

    @property
    def keys(self) -> RecordKeys:
        """The (name, type) pairs the changes touch, in canonical form."""
        return {canonical_key(c["ResourceRecordSet"]) for c in self.changes}

    @property
    def sent_names(self) -> set[str]:
        """The record set names as sent (lower case, root dot), the way Route 53's messages quote them."""
        return {c["ResourceRecordSet"]["Name"].lower() for c in self.changes}

    @property
    def names(self) -> set[str]:
        """The names to plan again when the group was refused for records that changed."""
        return {self.group.name, *(c.endpoint.name for c in self.group.records)}

    @property
    def fingerprint(self) -> str:
        return json.dumps(self.changes, sort_keys=True, default=str)


def outgoing(group: ChangeGroup, raw: RawLookup) -> Outgoing:
    return Outgoing(group, tuple(c for change in group.changes for c in boto_changes(change, raw)))


@dataclass(slots=True)
class Packed:
    batches: list[list[Outgoing]] = field(default_factory=list)
    oversized: list[tuple[Outgoing, str]] = field(default_factory=list)  # with the reason


def limits(options: Route53Options) -> batching.Limits:
    return batching.Limits(max_values=options.batch_change_size_values, max_chars=options.batch_change_size_bytes,
                           max_changes=options.batch_change_size)


def pack(groups: Sequence[Outgoing], request_limits: batching.Limits) -> Packed:
    """Requests of whole groups in the order given (batching.batch_changes); groups that fit no request
    come back with the reason."""
    # The batcher hands back the same change dicts; their identity leads back to our groups.
    index_of = {id(c): i for i, g in enumerate(groups) for c in g.changes}
    plan = batching.batch_changes([g.changes for g in groups], request_limits)
    packed = Packed()
    packed.oversized = [(groups[index_of[id(o.group[0])]], o.reason) for o in plan.oversized]
    packed.batches = [[groups[index_of[id(members[0])]] for members in b.groups] for b in plan.batches]
    return packed
