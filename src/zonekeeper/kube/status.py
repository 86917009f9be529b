"""DNSEndpoint status: whether an object's records are in Route 53.

external-dns sets `status.observedGeneration` when it *reads* a DNSEndpoint, before anything is
applied, so tools waiting on it learn nothing. zonekeeper sets it only once Route 53 accepted the
generation's changes, and adds conditions saying so (`Programmed`, and `Ready` with the same status
for tools that wait on `kubectl wait --for=condition=Ready`).

Writes go through the status subresource as a JSON merge patch. A merge patch replaces a list whole,
so the patch carries the full `conditions` list: ours, plus any other types already there.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from zonekeeper.kube.client import KubeClient, KubeError
from zonekeeper.kube.resources import RESOURCES
from zonekeeper.sources import objects as kinds

log = logging.getLogger(__name__)

PROGRAMMED: Final = "Programmed"
READY: Final = "Ready"
CONDITION_TYPES: Final = (PROGRAMMED, READY)

# Reasons for the conditions.
REASON_PROGRAMMED: Final = "Programmed"
REASON_PENDING: Final = "Pending"
REASON_CHANGE_REJECTED: Final = "ChangeRejected"

# metav1.Condition's limit on messages; a longer one would only clutter `kubectl describe`.
MESSAGE_LIMIT: Final = 32768

DNSENDPOINTS = RESOURCES[kinds.DNSENDPOINTS]


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _rfc3339(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _conditions(status: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    raw = status.get("conditions") if isinstance(status, Mapping) else None
    return [c for c in raw if isinstance(c, Mapping)] if isinstance(raw, list) else []


def _find(conditions: Sequence[Mapping[str, Any]], type_: str) -> Mapping[str, Any] | None:
    return next((c for c in conditions if c.get("type") == type_), None)


def desired_status(
    current: Mapping[str, Any] | None, generation: int, ok: bool, reason: str, message: str, now: dt.datetime
) -> dict[str, Any]:
    """The status patch that says (generation, ok, reason, message), given the current status.

    `lastTransitionTime` moves only when a condition's status flips, as Kubernetes conventions ask:
    tools read it as "Programmed since", not "last written at".
    """
    flag = "True" if ok else "False"
    existing = _conditions(current)
    ours: dict[str, dict[str, Any]] = {}
    for type_ in CONDITION_TYPES:
        before = _find(existing, type_)
        since = before.get("lastTransitionTime") if before is not None and before.get("status") == flag else None
        ours[type_] = {
            "type": type_,
            "status": flag,
            "observedGeneration": generation,
            "lastTransitionTime": since or _rfc3339(now),
            "reason": reason,
            "message": message,
        }
    # Keep other writers' conditions, in their order; ours take their own places (or go last).
    conditions: list[dict[str, Any]] = []
    for c in existing:
        other = c.get("type")
        if isinstance(other, str) and other in ours:
            conditions.append(ours.pop(other))
        elif other not in CONDITION_TYPES:
            conditions.append(dict(c))
    conditions.extend(ours.values())
    status: dict[str, Any] = {"conditions": conditions}
    if ok:
        status["observedGeneration"] = generation
    return status


def already_says(current: Mapping[str, Any] | None, generation: int, ok: bool, reason: str, message: str) -> bool:
    """True when `current` already states exactly this outcome for this generation."""
    if not isinstance(current, Mapping):
        return False
    if ok and current.get("observedGeneration") != generation:
        return False
    flag = "True" if ok else "False"
    conditions = _conditions(current)
    for type_ in CONDITION_TYPES:
        c = _find(conditions, type_)
        if c is None or (c.get("status"), c.get("reason"), c.get("message"), c.get("observedGeneration")) != (
                flag, reason, message, generation):
            return False
        if not c.get("lastTransitionTime"):
            return False
    return True


class DNSEndpointStatus:
    """Writes the outcome of applying a DNSEndpoint's records into its status."""

    def __init__(self, client: KubeClient, *, now: Callable[[], dt.datetime] = _utcnow) -> None:
        self._client = client
        self._now = now
        self._warned_forbidden = False

    async def set_programmed(
        self,
        namespace: str,
        name: str,
        generation: int,
        ok: bool,
        reason: str,
        message: str,
        current_status: Mapping[str, Any] | None = None,
    ) -> bool:
        """Say whether generation `generation` of `namespace/name` is in Route 53; True when written.

        `current_status` is the object's status as the informer cache has it. Without it the object
        is read first (one GET), so transition times and other conditions survive. Nothing is written
        when the status already says exactly this. A vanished object (404) is not an error; a missing
        permission is logged once and reported as False; other API failures raise KubeError, for the
        caller to try again on its next pass.
        """
        if len(message) > MESSAGE_LIMIT:
            message = message[: MESSAGE_LIMIT - 3] + "..."
        try:
            if current_status is None:
                obj = await self._client.get(DNSENDPOINTS, namespace, name)
                if obj is None:
                    log.debug("DNSEndpoint %s/%s is gone; no status to write", namespace, name)
                    return False
                current_status = obj.get("status") or {}
            if already_says(current_status, generation, ok, reason, message):
                return False
            status = desired_status(current_status, generation, ok, reason, message, self._now())
            await self._client.patch(DNSENDPOINTS, namespace, name, {"status": status}, subresource="status")
        except KubeError as exc:
            if exc.not_found:
                log.debug("DNSEndpoint %s/%s is gone; no status to write", namespace, name)
                return False
            if exc.forbidden:
                self._forbidden(namespace, name, exc)
                return False
            raise
        return True

    def _forbidden(self, namespace: str, name: str, exc: KubeError) -> None:
        if self._warned_forbidden:
            log.debug("cannot write status of DNSEndpoint %s/%s: %s", namespace, name, exc)
            return
        self._warned_forbidden = True
        log.error(
            "cannot write DNSEndpoint status (DNSEndpoint %s/%s): permission denied. Grant zonekeeper's "
            "ServiceAccount `patch` on `dnsendpoints/status` in API group externaldns.k8s.io. "
            "DNS is not affected; statuses stay stale until then. (%s)", namespace, name, exc.message)
