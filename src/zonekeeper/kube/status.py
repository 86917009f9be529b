"""Status on the source objects: whether their records are in Route 53.

`StatusWriter` is the one way status is written, for every kind (the per-kind rules are in
zonekeeper.kube.dnsstatus): the controller `submit`s each object's outcome after a pass (synchronous,
never raises), an outcome its status already states is dropped there, and a background task (`run`)
sends the rest, one request per object, at most `qps` a second (in groups of half a second's worth:
GROUP_SECONDS), while this replica leads. Updates of the
same object coalesce (the newest wins), and an outcome sent recently is not sent again while the
cache has not caught up, so neither a pass per second nor 10,000 objects flood the apiserver. A failed
write is logged (each kind of failure once) and never holds DNS work up.

DNSEndpoint status (`DNSEndpointStatus`): external-dns sets `status.observedGeneration` when it
*reads* a DNSEndpoint, before anything is applied, so tools waiting on it learn nothing. zonekeeper sets
it only once Route 53 accepted the generation's changes, and adds conditions saying so (`Programmed`,
and `Ready` with the same status for tools that wait on `kubectl wait --for=condition=Ready`).
Those writes go through the status subresource as a JSON merge patch. A merge patch replaces a list
whole, so the patch carries the full `conditions` list: ours, plus any other types already there.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from zonekeeper.kube import dnsstatus, frozen
from zonekeeper.kube.client import KubeClient, KubeError
from zonekeeper.kube.dnsstatus import Outcome
from zonekeeper.kube.resources import RESOURCES
from zonekeeper.kube.sender import LogOnce, Wakeup
from zonekeeper.ratelimit import TokenBucket
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


# -- every kind ------------------------------------------------------------------------------------

Key = tuple[str, str, str]  # (kind, namespace, name)

@dataclass(slots=True, frozen=True)
class Applied:
    """A kind whose status is one server-side apply: whether an object already says an outcome (asked of
    every object a full pass tells, so it builds nothing), and the apply configuration saying it."""

    says: Callable[[Mapping[str, Any], Outcome | None], bool]
    configuration: Callable[[Mapping[str, Any], Outcome | None, dt.datetime], dict[str, Any] | None]


APPLIED: Final[Mapping[str, Applied]] = {
    kinds.SERVICES: Applied(dnsstatus.service_says, dnsstatus.service_apply),
    kinds.INGRESSES: Applied(dnsstatus.ingress_says, dnsstatus.ingress_apply),
}

# Attempts at a route's read-modify-write when another controller wrote its status in between (409).
ROUTE_ATTEMPTS: Final = 3


@dataclass(slots=True, frozen=True)
class StatusUpdate:
    """What one object's status should say: `outcome`, or None when the object gives no records (then
    nothing of ours stays); for a route, the Gateway parentRefs (as written in its spec) our entries
    are for."""

    kind: str
    namespace: str
    name: str
    outcome: Outcome | None
    parent_refs: tuple[Mapping[str, Any], ...] = ()

    @property
    def key(self) -> Key:
        return (self.kind, self.namespace, self.name)


@dataclass(slots=True)
class StatusStats:
    """Counters: updates submitted, dropped as already said (or just sent), written, failed."""

    submitted: int = 0
    unchanged: int = 0
    written: int = 0
    failed: int = 0
    sent: dict[str, int] = field(default_factory=dict)  # writes by kind


def _generation(obj: Mapping[str, Any]) -> int:
    value = kinds.meta(obj).get("generation")
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _fingerprint(obj: Mapping[str, Any], update: StatusUpdate) -> tuple[Any, ...]:
    """What an update says of which object generation: the same again is not sent again."""
    return (kinds.meta(obj).get("uid"), _generation(obj), update.outcome, update.parent_refs)


def _version(obj: Mapping[str, Any], update: StatusUpdate
             ) -> tuple[str, str, Outcome | None, tuple[Mapping[str, Any], ...]] | None:
    """An object version (uid, resourceVersion: its content, status included) and what the update says
    of it; None when the object does not have both (then its status is judged every time)."""
    m = kinds.meta(obj)
    uid, version = m.get("uid"), m.get("resourceVersion")
    if not (isinstance(uid, str) and uid and isinstance(version, str) and version):
        return None
    return (uid, version, update.outcome, update.parent_refs)


# Queued writes go in groups of half a second's worth (12 at 25/s), sent together: one wake-up of the
# process serves several, and their watch events come back together too. Draining a cold start's
# backlog at 25/s cost 2.3 ms CPU a write one by one, 1.0 in groups of 5, 0.9 in groups of 12
# (benchmarks/bench_status.py); a lone write (one object changed) still goes at once.
GROUP_SECONDS: Final = 0.5


class StatusWriter:
    """Queues status updates (`submit`) and writes them (`run`), in groups of GROUP_SECONDS x `qps`."""

    def __init__(
        self,
        client: KubeClient,
        *,
        controller_name: str = dnsstatus.DEFAULT_CONTROLLER_NAME,
        is_leader: Callable[[], bool] = lambda: True,
        qps: float = 2.5,
        remember_seconds: float = 600.0,
        lookup: Callable[[str, str, str], Mapping[str, Any] | None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], dt.datetime] = _utcnow,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        """`lookup(kind, namespace, name)` reads the informer cache at write time (the object as
        submitted otherwise): the newest status, and a route's newer resourceVersion after a 409."""
        self._client = client
        self._lookup = lookup
        self._sleep = sleep
        self.controller_name = controller_name
        self._is_leader = is_leader
        self._bucket = TokenBucket(rate=qps, burst=max(1, int(qps))) if qps > 0 else None
        self._group = max(1, int(qps * GROUP_SECONDS)) if qps > 0 else 1
        self._remember = remember_seconds
        self._clock = clock
        self._now = now
        self._dnsendpoints = DNSEndpointStatus(client, now=now)
        self._pending: OrderedDict[Key, tuple[StatusUpdate, Mapping[str, Any]]] = OrderedDict()
        # What was last sent per object (and when): while the informer has not caught up with our own
        # write, the next pass must not send it again.
        self._sent: OrderedDict[Key, tuple[tuple[Any, ...], float]] = OrderedDict()
        self._max_remembered = 100_000
        # Objects whose status was found to say an update already, by (uid, resourceVersion): a full pass
        # submits every object again, and judging a status anew costs ~10 µs (a second at 100,000).
        self._settled: dict[Key, tuple[str, str, Outcome | None, tuple[Mapping[str, Any], ...]]] = {}
        self._wakeup = Wakeup()
        self._log_once = LogOnce(log)
        self.stats = StatusStats()

    # -- submitting (synchronous, from the controller's report of a pass) --------------------------

    def submit(self, obj: Mapping[str, Any], update: StatusUpdate) -> None:
        """Queue `update` for `obj` (the object as the informer cache has it) unless its status says it."""
        self.stats.submitted += 1
        key = update.key
        version = _version(obj, update)
        if version is not None and self._settled.get(key) == version:
            self.stats.unchanged += 1
            return
        if self._says(obj, update):
            self._sent.pop(key, None)
            self.stats.unchanged += 1
            if version is not None:
                self._settle(key, version)
            return
        self._settled.pop(key, None)
        fingerprint = _fingerprint(obj, update)
        last = self._sent.get(key)
        if last is not None and last[0] == fingerprint and self._clock() - last[1] < self._remember:
            self.stats.unchanged += 1
            return
        self._pending[key] = (update, obj)
        self._wakeup.set()

    def forget(self, key: Key) -> None:
        """The object is gone: nothing of it is kept."""
        self._settled.pop(key, None)
        self._sent.pop(key, None)

    def _settle(self, key: Key, version: tuple[str, str, Outcome | None, tuple[Mapping[str, Any], ...]]) -> None:
        if len(self._settled) >= 4 * self._max_remembered and key not in self._settled:
            self._settled.clear()  # objects deleted unseen (forget not called): start again, never grow unbounded
        self._settled[key] = version

    def _says(self, obj: Mapping[str, Any], update: StatusUpdate) -> bool:
        said = update.outcome
        if update.kind in APPLIED:
            return APPLIED[update.kind].says(obj, said)
        if update.kind in dnsstatus.ROUTE_KINDS:
            return dnsstatus.route_says(obj, update.parent_refs, said, self.controller_name)
        if update.kind == kinds.DNSENDPOINTS and said is not None:
            return already_says(obj.get("status"), _generation(obj), said.ok, said.reason, said.message)
        return True  # a kind without status of ours

    @property
    def pending(self) -> int:
        return len(self._pending)

    # -- sending ---------------------------------------------------------------------------------

    async def run(self) -> None:
        """Write queued updates until cancelled."""
        await self._wakeup.forever(self.flush)

    async def flush(self) -> None:
        """Write everything queued now (and whatever is queued meanwhile), then return."""
        _, lock = self._wakeup.bind()
        async with lock:
            while self._pending:
                group = [self._pending.popitem(last=False)[1] for _ in range(min(self._group, len(self._pending)))]
                if self._bucket is not None:
                    await self._bucket.acquire_async(len(group))
                # Asked after the wait for the bucket, right before sending: leadership can be lost in it.
                if not self._is_leader():
                    # A follower writes nothing; the leader after it reports from its own passes.
                    self._pending.clear()
                    return
                await asyncio.gather(*(self._write_guarded(update, obj) for update, obj in group))

    async def _write_guarded(self, update: StatusUpdate, obj: Mapping[str, Any]) -> None:
        try:
            await self._write(update, obj)
        except asyncio.CancelledError:
            raise
        except Exception:  # a bug here must not end the writer, nor DNS work
            self.stats.failed += 1
            self._log_once(("bug",), logging.ERROR, "writing status failed", exc_info=True)

    async def _write(self, update: StatusUpdate, obj: Mapping[str, Any]) -> None:
        fingerprint = _fingerprint(obj, update)
        try:
            written = await self._send(update, obj)
        except KubeError as exc:
            self.stats.failed += 1
            self._failed(update, exc)
            if _transient(update, exc):
                self._sent.pop(update.key, None)  # the next pass tries again
            else:  # a refusal is not retried every pass; after `remember_seconds` it is
                self._remember_sent(update.key, fingerprint)
            return
        self._remember_sent(update.key, fingerprint)
        if written:
            self.stats.written += 1
            self.stats.sent[update.kind] = self.stats.sent.get(update.kind, 0) + 1

    def _remember_sent(self, key: Key, fingerprint: tuple[Any, ...]) -> None:
        self._sent[key] = (fingerprint, self._clock())
        self._sent.move_to_end(key)
        while len(self._sent) > self._max_remembered:
            self._sent.popitem(last=False)

    async def _send(self, update: StatusUpdate, obj: Mapping[str, Any]) -> bool:
        """One object's status write; False when there was nothing to write (or the object is gone)."""
        said = update.outcome
        obj = self._current(update, obj) or {}
        if not obj:
            return False  # deleted meanwhile
        if update.kind == kinds.DNSENDPOINTS:
            if said is None:
                return False
            return await self._dnsendpoints.set_programmed(
                update.namespace, update.name, _generation(obj), said.ok, said.reason, said.message,
                current_status=obj.get("status") or {})
        if update.kind in APPLIED:
            body = APPLIED[update.kind].configuration(obj, said, self._now())
            if body is None:
                return False
            try:
                await self._client.apply(RESOURCES[update.kind], update.namespace, update.name, body,
                                         field_manager=dnsstatus.FIELD_MANAGER, subresource="status")
            except KubeError as exc:
                if exc.not_found:
                    return False
                raise
            return True
        if update.kind in dnsstatus.ROUTE_KINDS:
            return await self._send_route(update, obj)
        return False

    def _current(self, update: StatusUpdate, obj: Mapping[str, Any]) -> Mapping[str, Any] | None:
        return obj if self._lookup is None else self._lookup(update.kind, update.namespace, update.name)

    async def _send_route(self, update: StatusUpdate, obj: Mapping[str, Any]) -> bool:
        """status.parents rewritten with our entries, conditional on the resourceVersion it was read at:
        the list is atomic, so the other controllers' entries go back as read, and a write of theirs in
        between (409) means reading again, once the cache has it."""
        resource = RESOURCES[update.kind]
        for attempt in range(1, ROUTE_ATTEMPTS + 1):
            current = self._current(update, obj)
            if current is None:
                return False
            parents = dnsstatus.route_parents(current, update.parent_refs, update.outcome, self.controller_name,
                                              self._now())
            if parents is None:
                return False
            body = {"metadata": {"resourceVersion": kinds.meta(current).get("resourceVersion")},
                    "status": {"parents": frozen.to_builtins(parents)}}
            try:
                await self._client.patch(resource, update.namespace, update.name, body, subresource="status",
                                         field_manager=dnsstatus.FIELD_MANAGER)
            except KubeError as exc:
                if exc.status == 409 and attempt < ROUTE_ATTEMPTS and self._lookup is not None:
                    await self._sleep(0.5 * attempt)  # the watch brings the newer object meanwhile
                    continue
                if exc.not_found:
                    return False
                raise
            return True
        return False

    def _failed(self, update: StatusUpdate, exc: KubeError) -> None:
        resource = RESOURCES[update.kind]
        what = f"{resource.kind} {update.namespace}/{update.name}"
        if exc.forbidden:
            group = f"API group {resource.group}" if resource.group else 'the core API group ("")'
            self._log_once(
                ("forbidden", update.kind), logging.ERROR,
                "cannot write the status of %s: permission denied. Grant zonekeeper's ServiceAccount `patch` on "
                "`%s/status` in %s, or run with --no-status-updates. DNS is not affected. (%s)",
                what, resource.plural, group, exc.message, detail=f"status of {what}: {exc}")
            return
        if exc.status == 409 and update.kind in APPLIED:
            self._log_once(
                ("conflict", update.kind), logging.WARNING,
                "not writing the status of %s: another field manager owns it (%s). zonekeeper never takes "
                "fields over; DNS is not affected. Further conflicts are logged at debug level.",
                what, exc.message, detail=f"status of {what}: {exc}")
            return
        self._log_once(
            ("failed", update.kind, exc.status), logging.WARNING,
            "cannot write the status of %s (%s %s); DNS is not affected, the next pass tries again. "
            "Further failures of this kind are logged at debug level. (%s)",
            what, exc.status, exc.reason, exc.message, detail=f"status of {what}: {exc}")

def _transient(update: StatusUpdate, exc: KubeError) -> bool:
    # 0: no answer; 429: apiserver priority & fairness; 5xx: apiserver or etcd trouble. A 409 on a route:
    # its status kept changing under our attempts; on an apply: a field another manager owns (lasting).
    return exc.status in (0, 429) or exc.status >= 500 or (exc.status == 409 and update.kind not in APPLIED)
