"""Kubernetes Events about the objects zonekeeper reads: records created, updated and deleted,
and the problems that keep an object's records from being published.

`EventRecorder.record()` is called from the controller's reconcile loop, so it must be cheap and
never fail: it only decides (dedupe) and queues. A background task (`run()`) sends the queue one
request at a time. Sending serially matters: the KubeClient's token bucket is shared with the
informers and leader election, and one request in flight holds at most one place in its line.

Storm control, since a controller that reconciles every minute would otherwise repeat the same
Warning every minute for every broken object:

* an identical event (same object, type, reason and message) is sent at most once per
  `dedupe_seconds`; a changed message is a different event and goes out at once;
* the dedupe memory is an LRU of bounded size, the queue drops its oldest entry when full;
* failed sends are retried a few times when the failure is transient, then dropped; each kind of
  failure is logged once (at warning/error), later ones at debug, so a missing RBAC rule yields one
  clear log line rather than one per event.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import logging
import socket
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final, Literal

from zonekeeper.changes import Change
from zonekeeper.kube.client import KubeClient, KubeError
from zonekeeper.kube.eventtext import (
    ACTION_REASONS,
    CHANGE_REJECTED,
    COMPONENT,
    INSTANCE_LIMIT,
    MESSAGE_LIMIT,
    NAME_LIMIT,
    REASON_LIMIT,
    RECORD_CREATED,
    RECORD_DELETED,
    RECORD_UPDATED,
    SUFFIX_LENGTH,
    change_message,
    describe_record,
    truncate_bytes,
)
from zonekeeper.kube.objectref import CacheLookup, ObjectRef
from zonekeeper.kube.resources import EVENTS
from zonekeeper.kube.sender import LogOnce, Wakeup

log = logging.getLogger(__name__)

EventType = Literal["Normal", "Warning"]
NORMAL: Final = "Normal"
WARNING: Final = "Warning"

DEFAULT_DEDUPE_KEYS: Final = 50_000
DEFAULT_ATTEMPTS: Final = 3


@dataclass(slots=True)
class _Pending:
    key: tuple[str, ...]
    ref: ObjectRef
    type: str
    reason: str
    message: str
    at: dt.datetime
    recorded: float  # clock() when recorded: the dedupe entry this item is responsible for


@dataclass(slots=True)
class RecorderStats:
    """Counters for metrics: events queued, sent, suppressed as duplicates, dropped (queue overflow
    or given up after failures)."""

    queued: int = 0
    sent: int = 0
    deduplicated: int = 0
    dropped_overflow: int = 0
    failed: int = 0


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _rfc3339(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class EventRecorder:
    """Queues Events (`record`, synchronous, never raises) and sends them (`run`, a background task).

    `record` may also be called from a worker thread (the pipeline runs boto3 in threads): state is
    guarded by a lock held only for dictionary work, and the sender is woken thread-safely.
    """

    def __init__(
        self,
        client: KubeClient,
        *,
        component: str = COMPONENT,
        host: str | None = None,
        dedupe_seconds: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
        max_pending: int = 1000,
        max_dedupe_keys: int = DEFAULT_DEDUPE_KEYS,
        max_attempts: int = DEFAULT_ATTEMPTS,
        retry_delay: float = 0.5,
        now: Callable[[], dt.datetime] = _utcnow,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if max_pending < 1:
            raise ValueError(f"max_pending must be at least 1, got {max_pending}")
        self._client = client
        self._component = component
        self._host = truncate_bytes(host if host is not None else socket.gethostname(), INSTANCE_LIMIT)
        self._dedupe_seconds = dedupe_seconds
        self._clock = clock
        self._max_dedupe_keys = max(1, max_dedupe_keys)
        self._max_attempts = max(1, max_attempts)
        self._retry_delay = retry_delay
        self._now = now
        self._sleep = sleep
        self._lock = threading.Lock()
        # key -> clock() of the last emission; order = least recently recorded first.
        self._emitted: OrderedDict[tuple[str, ...], float] = OrderedDict()
        self._pending: deque[_Pending] = deque()
        self._max_pending = max_pending
        self._wakeup = Wakeup()
        self._log_once = LogOnce(log)
        self._names = itertools.count()
        self.stats = RecorderStats()

    # -- recording (synchronous, from the controller) ----------------------------------------------

    def record(self, ref: ObjectRef, type: EventType, reason: str, message: str) -> None:
        try:
            self._record(ref, type, reason, message)
        except Exception:  # an Event is never worth failing a reconcile for
            self._log_once(("record-bug",), logging.ERROR, "recording an event failed", exc_info=True)

    def _record(self, ref: ObjectRef, type: str, reason: str, message: str) -> None:
        reason = truncate_bytes(reason, REASON_LIMIT)
        message = truncate_bytes(message, MESSAGE_LIMIT)
        obj = ref.uid or f"{ref.kind}/{ref.namespace}/{ref.name}"
        key = (obj, type, reason, message)
        now = self._clock()
        dropped: _Pending | None = None
        with self._lock:
            last = self._emitted.get(key)
            if last is not None and now - last < self._dedupe_seconds:
                # Recent enough: suppress, and keep the key warm so a storm cannot evict it.
                self._emitted.move_to_end(key)
                self.stats.deduplicated += 1
                return
            self._emitted[key] = now
            self._emitted.move_to_end(key)
            while len(self._emitted) > self._max_dedupe_keys:
                self._emitted.popitem(last=False)
            if len(self._pending) >= self._max_pending:
                dropped = self._pending.popleft()
                # Never sent, so it must not keep its successor quiet for a whole window.
                self._forget(dropped)
                self.stats.dropped_overflow += 1
            self._pending.append(_Pending(key, ref, type, reason, message, self._now(), now))
            self.stats.queued += 1
        if dropped is not None:
            self._log_once(("overflow",), logging.WARNING,
                           "event queue full (%d): dropping the oldest events (first dropped: %s %s on %s)",
                           self._max_pending, dropped.type, dropped.reason, dropped.ref)
        self._wakeup.set()

    def _forget(self, item: _Pending) -> None:
        # Only the entry this item made: a later emission of the same key keeps its own.
        if self._emitted.get(item.key) == item.recorded:
            del self._emitted[item.key]

    def record_change(self, ref: ObjectRef, change: Change, zone_name: str) -> None:
        """A record change Route 53 accepted, e.g. `created A web.example.com -> 1.2.3.4 in zone example.com`."""
        try:
            self.record(ref, NORMAL, ACTION_REASONS[change.action], change_message(change, zone_name))
        except Exception:
            self._log_once(("record-bug",), logging.ERROR, "recording an event failed", exc_info=True)

    @property
    def pending(self) -> int:
        return len(self._pending)

    # -- sending (asynchronous) ----------------------------------------------------------------------

    async def run(self) -> None:
        """Send queued events until cancelled."""
        await self._wakeup.forever(self.flush)

    async def flush(self) -> None:
        """Send everything queued now (and whatever is queued meanwhile), then return."""
        _, send_lock = self._wakeup.bind()
        async with send_lock:
            while True:
                with self._lock:
                    if not self._pending:
                        return
                    item = self._pending.popleft()
                try:
                    await self._send(item)
                except asyncio.CancelledError:
                    raise
                except Exception:  # a bug here must not end the sender
                    self.stats.failed += 1
                    self._log_once(("send-bug",), logging.ERROR, "sending an event failed", exc_info=True)

    def _body(self, item: _Pending) -> tuple[str, dict[str, Any]]:
        ref = item.ref
        # Events live with their object; cluster-scoped objects' events go to "default", as kubectl expects.
        namespace = ref.namespace or "default"
        stamp = _rfc3339(item.at)
        # client-go names events "<object>.<unix nanos in hex>"; the counter keeps two events
        # created within the clock's resolution apart.
        suffix = f"{time.time_ns() + next(self._names):016x}"
        stem = (ref.name or "object")[: NAME_LIMIT - SUFFIX_LENGTH].rstrip(".-")
        body: dict[str, Any] = {
            "apiVersion": "v1",
            "kind": "Event",
            "metadata": {"name": f"{stem}.{suffix}", "namespace": namespace},
            "involvedObject": ref.involved_object(),
            "reason": item.reason,
            "message": item.message,
            "type": item.type,
            "source": {"component": self._component, "host": self._host},
            "reportingComponent": self._component,
            "reportingInstance": self._host,
            "firstTimestamp": stamp,
            "lastTimestamp": stamp,
            "count": 1,
        }
        return namespace, body

    async def _send(self, item: _Pending) -> None:
        namespace, body = self._body(item)
        for attempt in range(1, self._max_attempts + 1):
            try:
                await self._client.create(EVENTS, namespace, body)
            except KubeError as exc:
                if exc.status == 409:
                    # The generated name is taken (another replica, clock step): a new name, at once.
                    namespace, body = self._body(item)
                    if attempt < self._max_attempts:
                        continue
                if _transient(exc) and attempt < self._max_attempts:
                    await self._sleep(self._retry_delay * 2 ** (attempt - 1))
                    continue
                self._failed(item, namespace, exc, attempt)
                return
            self.stats.sent += 1
            return

    def _failed(self, item: _Pending, namespace: str, exc: KubeError, attempts: int) -> None:
        self.stats.failed += 1
        if _transient(exc):
            # The next reconcile may record it again: the apiserver may be back by then.
            with self._lock:
                self._forget(item)
        # A permanent failure keeps the dedupe entry: retrying a forbidden create every pass is a storm.
        what = f"{item.type} event {item.reason} for {item.ref}"
        if exc.forbidden and "being terminated" in exc.message:
            log.debug("not sending %s: namespace %s is being deleted", what, namespace)
            return
        if exc.forbidden:
            self._log_once(
                ("forbidden",), logging.ERROR,
                "cannot send Kubernetes Events: permission denied to create events in namespace %s. "
                "Grant zonekeeper's ServiceAccount `create` on `events` in the core API group "
                "(ClusterRole rule: apiGroups: [\"\"], resources: [\"events\"], verbs: [\"create\"]). "
                "Events are dropped until then; DNS is not affected. (%s)",
                namespace, exc.message, detail=f"dropped {what}: {exc}")
            return
        self._log_once(
            ("failed", exc.status, exc.reason), logging.WARNING,
            "cannot send Kubernetes Events (%s %s) after %d attempt(s); dropping %s. "
            "Further failures of this kind are logged at debug level. (%s)",
            exc.status, exc.reason, attempts, what, exc.message, detail=f"dropped {what}: {exc}")

def _transient(exc: KubeError) -> bool:
    # 0: no answer; 409: name clash; 429: apiserver priority & fairness; 5xx: apiserver or etcd trouble.
    return exc.status in (0, 409, 429) or exc.status >= 500


# Where these lived before the split; the controller and live.py import them from here.
__all__ = [
    "CHANGE_REJECTED",
    "MESSAGE_LIMIT",
    "NORMAL",
    "RECORD_CREATED",
    "RECORD_DELETED",
    "RECORD_UPDATED",
    "WARNING",
    "CacheLookup",
    "EventRecorder",
    "EventType",
    "ObjectRef",
    "RecorderStats",
    "change_message",
    "describe_record",
    "truncate_bytes",
]
