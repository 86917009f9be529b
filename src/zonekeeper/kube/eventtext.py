"""The words of zonekeeper's Kubernetes Events: reasons, messages, and the apiserver's size limits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from zonekeeper.changes import Action, Change
from zonekeeper.endpoint import Endpoint

# Reasons. Problems carry their own reason (InvalidAnnotation, InvalidHostname, NoMatchingZone, ...),
# which Events use verbatim so Events, logs and metrics agree.
RECORD_CREATED: Final = "RecordCreated"
RECORD_UPDATED: Final = "RecordUpdated"
RECORD_DELETED: Final = "RecordDeleted"
CHANGE_REJECTED: Final = "ChangeRejected"
# external-dns's reasons (its --events-emit types).
RECORD_READY: Final = "RecordReady"
RECORD_ERROR: Final = "RecordError"
EVENTS_EMIT_CHOICES: Final = (RECORD_READY, RECORD_DELETED, RECORD_ERROR)

ACTION_REASONS: Final = {Action.CREATE: RECORD_CREATED, Action.UPDATE: RECORD_UPDATED,
                          Action.DELETE: RECORD_DELETED}
_ACTION_VERBS: Final = {Action.CREATE: "created", Action.UPDATE: "updated", Action.DELETE: "deleted"}

# The Events' source and reportingComponent.
COMPONENT: Final = "zonekeeper"

# The apiserver's limits on core/v1 Events (pkg/apis/core/validation): the note (message) is
# limited in bytes, not characters; reason and reportingInstance to 128.
MESSAGE_LIMIT: Final = 1024
REASON_LIMIT: Final = 128
INSTANCE_LIMIT: Final = 128
# Object names are DNS subdomains of up to 253 characters; ".<16 hex digits>" must still fit.
NAME_LIMIT: Final = 253
SUFFIX_LENGTH: Final = 17


def truncate_bytes(text: str, limit: int) -> str:
    """`text` cut to at most `limit` UTF-8 bytes (never inside a character), marked with '...'."""
    data = text.encode()
    if len(data) <= limit:
        return text
    return data[: max(0, limit - 3)].decode(errors="ignore") + "..."


def describe_record(endpoint: Endpoint) -> str:
    """`A web.example.com -> 1.2.3.4`, with the set identifier and alias flag when there are any."""
    ident = f" [{endpoint.set_identifier}]" if endpoint.set_identifier else ""
    alias = "alias " if endpoint.is_alias else ""
    targets = ",".join(endpoint.targets)
    return f"{endpoint.type} {endpoint.name}{ident} -> {alias}{targets}"


def change_message(change: Change, zone_name: str) -> str:
    text = f"{_ACTION_VERBS[change.action]} {describe_record(change.endpoint)}"
    if change.action is Action.UPDATE and change.old is not None and change.new is not None \
            and change.old.targets != change.new.targets:
        text += f" (was {','.join(change.old.targets)})"
    return f"{text} in zone {zone_name}" if zone_name else text


@dataclass(slots=True, frozen=True)
class EventText:
    type: str  # Normal or Warning
    reason: str
    message: str


def change_event(change: Change, zone_name: str, *, refused: str | None, emit: frozenset[str]) -> EventText | None:
    """The Event about one record change, applied (`refused` None) or refused with that reason.

    Without `emit` (no --events-emit): zonekeeper's own reasons and messages. With it: external-dns's
    reasons (RecordReady for a create or update, RecordDeleted, RecordError for a refusal) and its
    message layout, and only for the types in `emit` (None otherwise). Unlike external-dns, which
    marks every change of a failed batch RecordError (as a Normal Event), only the change Route 53
    refused is, as a Warning.
    """
    ep = change.endpoint
    if not emit:
        if refused is None:
            return EventText("Normal", ACTION_REASONS[change.action], change_message(change, zone_name))
        return EventText("Warning", CHANGE_REJECTED,
                         f"Route 53 refused to {change.action.value} {ep.type} {ep.name}: {refused}")
    applied = RECORD_DELETED if change.action is Action.DELETE else RECORD_READY
    reason = applied if refused is None else RECORD_ERROR
    if reason not in emit:
        return None
    message = (f"({COMPONENT}) record:{ep.name},owner:{ep.owner},type:{ep.type},ttl:{ep.ttl},"
               f"targets:{','.join(ep.targets)}")
    if refused is not None:
        return EventText("Warning", reason, f"{message},error:{refused}")
    return EventText("Normal", reason, message)
