"""An informer: one resource type's objects, kept current by list + watch, as slim read-only dicts.

Why our own rather than `kubernetes.watch` or the bundled `SharedInformer` (stack.md §2.3): we need a
paginated initial list, watch bookmarks, slim objects decoded straight from raw bytes (10k Services in
a few MB, not 100 MB of generated models) and, above all, a correct answer to 410 Gone: re-list and
*diff* against the cache, so that objects deleted while we were not watching produce `deleted`
changes. Resetting the resourceVersion and re-watching, as naive loops do, silently loses those
deletes and leaves stale DNS records behind forever.

The life of an informer (`run()`):

1. LIST in pages (`limit=page_size`). A 410 on a continue token means the snapshot expired while we
   paged: start the list again. The complete result replaces the cache by diffing, and `synced` is
   set after the first complete list.
2. WATCH from the list's resourceVersion with bookmarks. Events update the cache and call
   `on_change`; bookmarks only advance the resourceVersion.
3. The watch ends: normally (the server's timeout) -> watch again from the last resourceVersion;
   410 Gone (an ERROR event or a 410 answer) -> back to 1; connection trouble (apiserver restart,
   stall) -> back off, then watch again from the last resourceVersion (the watch cache replays what
   we missed; when it cannot, it says 410 and we re-list).
4. 403 Forbidden -> `error` names the missing permission; retried with backoff, so granting the
   RBAC later recovers without a restart. 404 on the list -> the type is not served (a CRD that is
   not installed): the informer counts as synced with an empty store, and looks again every
   `absent_retry` seconds.

Everything runs on the event loop; the store is only touched between awaits, so consumers on the
same loop always see a consistent store. Objects are slimmed (`resources.slim`) and, by default,
frozen into compact read-only Mappings (`frozen.freeze`, half the memory of dicts). They are never
mutated once stored (a change replaces the object), so consumers may keep references.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
import logging
import random
from collections.abc import Callable, Mapping
from typing import Any, Literal, NoReturn

import msgspec

from zonekeeper.kube import frozen, resources
from zonekeeper.kube.client import KubeClient, KubeError

log = logging.getLogger(__name__)

ChangeKind = Literal["added", "modified", "deleted"]
Key = tuple[str, str]  # (namespace, name); namespace "" for cluster-scoped objects
Obj = Mapping[str, Any]  # a frozen.Record (compact=True, the default) or a plain slim dict
OnChange = Callable[[str, ChangeKind, Obj | None, Obj | None], None]
Change = tuple[ChangeKind, Obj | None, Obj | None]

# A normal watch end sooner than this, with no event at all, is treated as a failure (with backoff):
# otherwise a proxy or server that closes every stream at once would make us spin.
_MIN_HEALTHY_WATCH = 1.0
# Slack on top of the server-side watch timeout before a silent stream counts as stalled.
_STALL_SLACK = 30.0
# Restarts of a list whose continue token keeps expiring, before it counts as a failure.
_LIST_RESTARTS = 3


def key_of(obj: Mapping[str, Any]) -> Key:
    meta = obj.get("metadata") or {}
    return (str(meta.get("namespace") or ""), str(meta.get("name") or ""))


def rv_of(obj: Mapping[str, Any] | None) -> str:
    if not obj:
        return ""
    return str((obj.get("metadata") or {}).get("resourceVersion") or "")


def diff(old: Mapping[Key, Obj], new: Mapping[Key, Obj]) -> builtins.list[Change]:
    """The changes that turn cache `old` into list result `new`: `deleted` for keys that vanished,
    `added` for new keys, `modified` only where the resourceVersion differs (a re-list returns every
    object again; unchanged ones are not changes). Deletes come first, then `new`'s order."""
    changes: builtins.list[Change] = [("deleted", obj, None) for key, obj in old.items() if key not in new]
    for key, obj in new.items():
        before = old.get(key)
        if before is None:
            changes.append(("added", None, obj))
        elif rv_of(before) != rv_of(obj):
            changes.append(("modified", before, obj))
    return changes


class Backoff:
    """Exponential backoff with jitter: `initial`, doubling up to `maximum`, each delay drawn from
    ±20 % so that informers (and replicas) that failed together do not retry in lockstep."""

    def __init__(self, initial: float = 0.5, maximum: float = 30.0,
                 rng: Callable[[float, float], float] = random.uniform) -> None:
        self.initial = initial
        self.maximum = max(maximum, initial)
        self._rng = rng
        self._next = initial

    def next(self) -> float:
        delay = min(self.maximum, self._next * self._rng(0.8, 1.2))
        self._next = min(self.maximum, self._next * 2)
        return delay

    def reset(self) -> None:
        self._next = self.initial


class _Gone(Exception):
    """The watch's resourceVersion is too old for the server (410): re-list."""


class _ContinueExpired(Exception):
    """A paged list's snapshot was compacted away between two pages (410 on a continue token)."""


async def _cancel_until_done(task: asyncio.Future[None]) -> None:
    """Cancel `task` and wait for it to end, cancelling it again each second: one cancel can be lost
    by code it awaits (Python 3.11's wait_for is one such), and a stop must still end it."""
    while not task.done():
        task.cancel()
        await asyncio.wait([task], timeout=1.0)


class Informer:
    """One resource type (`kind`, a key of `resources.RESOURCES`), listed and watched into `store`."""

    def __init__(self, client: KubeClient, kind: str, *, namespace: str | None = None,
                 label_selector: str | None = None, on_change: OnChange | None = None, page_size: int = 500,
                 watch_timeout: int = 300, backoff_max: float = 30.0, backoff_initial: float = 0.5,
                 absent_retry: float = 60.0, compact: bool = True, keep_all_annotations: bool = False) -> None:
        self.kind = kind
        self.resource = resources.RESOURCES[kind]
        # A namespace means nothing for cluster-scoped types (Nodes); `Resource.path` ignores it too,
        # but keeping it out makes the log lines and the 403 advice right.
        self.namespace = namespace if self.resource.namespaced else None
        self.label_selector = label_selector or None
        self.on_change = on_change
        self.page_size = page_size
        self.watch_timeout = max(1, int(watch_timeout))
        self.absent_retry = absent_retry
        # Compact, immutable objects (frozen.py) take half the memory of slim dicts; plain dicts
        # stay available for consumers that need real dicts.
        self.compact = compact
        # Every annotation, not only ours: --fqdn-template and --annotation-filter may read any.
        self.keep_all_annotations = keep_all_annotations
        self._client = client
        self._backoff = Backoff(backoff_initial, backoff_max)

        self.store: dict[Key, Obj] = {}
        # The same objects by namespace: sources list one namespace at a time (a headless Service's
        # Pods, a Service's EndpointSlices), which would otherwise scan the whole store each time.
        self._by_namespace: dict[str, dict[str, Obj]] = {}
        self.synced = asyncio.Event()
        self.resource_version: str | None = None
        #: The last failure, as a sentence for operators; None while lists and watches succeed.
        self.error: str | None = None
        #: True while the API server does not serve the type (404 on list: CRD not installed).
        self.absent = False
        #: Watches (re)started after the first one, for any reason; for metrics.
        self.restarts = 0
        #: Complete lists after the first one (410 Gone, CRD reappearing); for metrics.
        self.relists = 0

        self._runner: asyncio.Task[None] | None = None
        self._stopping = False
        self._lists = 0
        self._watches = 0
        self._logged: str | None = None  # the error last logged at ERROR/WARNING, to log each once

    # -- the view ------------------------------------------------------------------------------

    def get(self, namespace: str, name: str) -> Obj | None:
        return self.store.get((namespace or "", name))

    def list(self, namespace: str | None = None) -> builtins.list[Obj]:
        """A snapshot (a new list), so a consumer may await while iterating it."""
        if namespace is None:
            return builtins.list(self.store.values())
        return builtins.list(self._by_namespace.get(namespace, {}).values())

    def __len__(self) -> int:
        return len(self.store)

    def __repr__(self) -> str:
        return f"Informer({self._what()}, {len(self.store)} objects, rv={self.resource_version})"

    # -- lifecycle -----------------------------------------------------------------------------

    async def run(self) -> None:
        """List and watch until `stop()` (then return) or until cancelled (then raise CancelledError).
        Never returns or raises otherwise: every failure is retried. Running again after a stop
        resumes watching from the last resourceVersion (re-listing only if the server says 410)."""
        if self._runner is not None:
            raise RuntimeError(f"{self!r} is already running")
        self._stopping = False
        # The loop runs in its own task so that stop() can cancel it without cancelling whatever
        # task awaits run(); cancelling that outer task still cancels the loop (await propagates).
        runner = self._runner = asyncio.ensure_future(self._loop())
        try:
            await runner
        except asyncio.CancelledError:
            # Let the loop finish its own cancellation (closing the watch connection) before
            # returning, so that nothing of this informer is still running once run() is done.
            await _cancel_until_done(runner)
            current = asyncio.current_task()
            if self._stopping and (current is None or not current.cancelling()):
                return
            raise
        finally:
            self._runner = None

    async def stop(self) -> None:
        self._stopping = True
        if self._runner is not None:
            await _cancel_until_done(self._runner)

    # -- the loop ------------------------------------------------------------------------------

    async def _loop(self) -> None:
        # A second run() after stop() resumes from the last resourceVersion: the store is still what
        # that version describes, and a watch that can no longer resume gets 410 and re-lists.
        need_list = self.resource_version is None or not self.synced.is_set()
        gone_in_a_row = 0
        # `_stopping` as well as the cancel: a stop must end the loop even if a cancellation is lost.
        while not self._stopping:
            phase = "list" if need_list else "watch"
            try:
                if need_list:
                    await self._list()
                    need_list = False
                    self._recovered()
                    continue
                await self._watch_once()
                gone_in_a_row = 0
            except asyncio.CancelledError:
                raise
            except (_Gone, _ContinueExpired) as exc:
                need_list = True
                gone_in_a_row = await self._gone(exc, gone_in_a_row)
            except KubeError as exc:
                if exc.gone:
                    need_list = True
                    gone_in_a_row = await self._gone(exc, gone_in_a_row)
                else:
                    need_list = await self._kube_failed(exc, phase, need_list)
            except Exception as exc:  # a bug or a malformed answer: keep the informer alive
                need_list = True
                delay = self._backoff.next()
                log.exception("%s: unexpected failure during %s; listing again in %.1fs", self._what(), phase, delay)
                self.error = self._logged = f"{self._what()}: unexpected failure during {phase}: {exc!r}"
                await asyncio.sleep(delay)

    async def _watch_once(self) -> None:
        if self._watches:
            self.restarts += 1
        self._watches += 1
        started = asyncio.get_running_loop().time()
        events = await self._watch()
        self._recovered()
        if events == 0 and asyncio.get_running_loop().time() - started < _MIN_HEALTHY_WATCH:
            log.debug("%s: the watch ended at once without events; backing off", self._what())
            await asyncio.sleep(self._backoff.next())
        else:
            self._backoff.reset()

    async def _gone(self, exc: Exception, gone_in_a_row: int) -> int:
        """A resourceVersion or continue token expired: the caller lists again. Returns the count of
        such answers in a row."""
        gone_in_a_row += 1
        log.info("%s: %s; listing again", self._what(), exc)
        # One immediate re-list is the normal cure; a second 410 straight after a fresh list
        # means something odd (clock or cache trouble on the server): do not spin.
        if gone_in_a_row > 1:
            await asyncio.sleep(self._backoff.next())
        return gone_in_a_row

    async def _kube_failed(self, exc: KubeError, phase: str, need_list: bool) -> bool:
        """Reports a failed list or watch and waits before the next try; returns whether to list."""
        if exc.not_found and phase == "list":
            await self._absent(exc)
            return need_list
        if exc.not_found:
            # The type went away under a running watch (CRD deleted): the list decides.
            self._failed(f"{self._what()}: watch answered 404 ({exc.message}); listing again", logging.WARNING)
            await asyncio.sleep(self._backoff.next())
            return True
        if exc.forbidden:
            self._failed(self._forbidden_message(phase, exc), logging.ERROR)
            await asyncio.sleep(self._backoff.next())
            return need_list
        delay = self._backoff.next()
        again = "listing" if need_list else f"watching from resourceVersion {self.resource_version}"
        self._failed(f"{self._what()}: {phase} failed: {exc}; {again} again in {delay:.1f}s", logging.WARNING)
        await asyncio.sleep(delay)
        return need_list

    async def _list(self) -> None:
        for attempt in range(1, _LIST_RESTARTS + 1):
            try:
                items, rv = await self._list_pages()
                break
            except _ContinueExpired as exc:
                if attempt == _LIST_RESTARTS:
                    raise
                log.info("%s: %s; starting the list again", self._what(), exc)
        if self.absent:
            log.info("%s: the API server serves it now", self._what())
            self.absent = False
        if self._lists:
            self.relists += 1
        self._lists += 1
        self._replace(items)
        self.resource_version = rv
        log.debug("%s: listed %d objects at resourceVersion %s", self._what(), len(items), rv)
        self.synced.set()

    async def _list_pages(self) -> tuple[dict[Key, Obj], str]:
        items: dict[Key, Obj] = {}
        token: str | None = None
        rv = ""
        while True:
            try:
                data = await self._client.list_raw(
                    self.resource, namespace=self.namespace, label_selector=self.label_selector,
                    limit=self.page_size, continue_token=token)
            except KubeError as exc:
                if exc.gone and token is not None:
                    raise _ContinueExpired(f"the list snapshot expired while paging ({exc.message})") from exc
                raise
            page = msgspec.json.decode(data)
            for item in page.get("items") or ():
                obj = self._convert(item)
                items[key_of(obj)] = obj
            meta = page.get("metadata") or {}
            # Every page of one list carries the RV of the snapshot the list was served from.
            rv = str(meta.get("resourceVersion") or rv)
            token = meta.get("continue") or None
            if not token:
                return items, rv

    def _replace(self, items: dict[Key, Obj]) -> None:
        before = self.store
        changes = diff(before, items)
        # Unchanged objects keep the identity consumers may already hold (and the fresh copy is freed).
        for key, obj in items.items():
            held = before.get(key)
            if held is not None and rv_of(held) == rv_of(obj):
                items[key] = held
        self.store = items
        by_namespace: dict[str, dict[str, Obj]] = {}
        for (namespace, name), obj in items.items():
            by_namespace.setdefault(namespace, {})[name] = obj
        self._by_namespace = by_namespace
        for kind, old, new in changes:
            self._emit(kind, old, new)

    async def _watch(self) -> int:
        # Spread the watches' ends over time (client-go does the same), so that informers started
        # together do not reconnect together forever.
        timeout = max(1, round(self.watch_timeout * random.uniform(0.9, 1.1)))
        events = 0
        assert self.resource_version is not None  # a list always precedes the first watch
        stream = self._client.watch_raw(
            self.resource, resource_version=self.resource_version, namespace=self.namespace,
            label_selector=self.label_selector, timeout_seconds=timeout, read_timeout=timeout + _STALL_SLACK)
        async with contextlib.aclosing(stream) as lines:
            async for line in lines:
                events += 1
                if events == 1:
                    # The server answered and is streaming: whatever fails later starts a fresh backoff.
                    self._backoff.reset()
                    self._recovered()
                self._handle(msgspec.json.decode(line))
        return events

    def _handle(self, event: Mapping[str, Any]) -> None:
        kind = event.get("type")
        raw = event.get("object")
        if not isinstance(raw, Mapping):
            log.debug("%s: ignoring a %s event without an object", self._what(), kind)
            return
        if kind == "BOOKMARK":
            rv = rv_of(raw)
            if rv:
                self.resource_version = rv
            return
        if kind == "ERROR":
            self._watch_error(raw)
        if kind not in ("ADDED", "MODIFIED", "DELETED"):
            log.debug("%s: ignoring a watch event of type %r", self._what(), kind)
            return
        self._apply(kind, self._convert(raw))

    def _watch_error(self, raw: Mapping[str, Any]) -> NoReturn:
        code = int(raw.get("code") or 0)
        reason = str(raw.get("reason") or code)
        message = str(raw.get("message") or "")
        if code == 410:
            raise _Gone(f"the watch's resourceVersion {self.resource_version} is gone ({reason}: {message})")
        raise KubeError(code, reason, f"WATCH {self.resource}: {message}")

    def _apply(self, kind: str, obj: Obj) -> None:
        """One ADDED, MODIFIED or DELETED object into the store, and its change to `on_change`."""
        key = key_of(obj)
        rv = rv_of(obj)
        before = self.store.get(key)
        if kind == "DELETED":
            if before is not None:
                del self.store[key]
                in_namespace = self._by_namespace.get(key[0], {})
                in_namespace.pop(key[1], None)
                if not in_namespace:
                    self._by_namespace.pop(key[0], None)
                self._emit("deleted", before, None)
        elif before is None or rv_of(before) != rv:
            self.store[key] = obj
            self._by_namespace.setdefault(key[0], {})[key[1]] = obj
            self._emit("added" if before is None else "modified", before, obj)
        # else: a replay of what we hold already (same resourceVersion): not a change.
        if rv:
            self.resource_version = rv

    def _convert(self, raw: Mapping[str, Any]) -> Obj:
        obj = resources.slim(self.kind, raw, keep_all_annotations=self.keep_all_annotations)
        return frozen.freeze(self.kind, obj) if self.compact else obj

    def _emit(self, kind: ChangeKind, before: Obj | None, after: Obj | None) -> None:
        if self.on_change is None:
            return
        try:
            self.on_change(self.kind, kind, before, after)
        except Exception:  # a consumer's bug must not stop the cache from following the cluster
            log.exception("%s: the on_change callback failed on a %s change", self._what(), kind)

    async def _absent(self, exc: KubeError) -> None:
        if not self.absent:
            log.warning("%s is not served by the API server (%s): is its CRD installed? Treating it as empty; "
                        "looking again every %gs", self._what(), exc.message, self.absent_retry)
            self.absent = True
        self.error = None
        self._logged = None
        # Objects we held (a CRD deleted under us) are gone with their type.
        self._replace({})
        self.resource_version = None
        self.synced.set()
        await asyncio.sleep(self.absent_retry)

    # -- errors --------------------------------------------------------------------------------

    def _forbidden_message(self, verb: str, exc: KubeError) -> str:
        scope = f"in namespace {self.namespace!r}" if self.namespace else "at cluster scope (all namespaces)"
        group = f"API group {self.resource.group!r}" if self.resource.group else 'the core API group ("")'
        binding = ("a Role and RoleBinding in that namespace" if self.namespace
                   else "a ClusterRole and ClusterRoleBinding")
        return (f"forbidden: zonekeeper may not {verb} {self.resource} {scope}: the API server said 403 "
                f"({exc.message}). Grant the verbs `list` and `watch` on `{self.resource.plural}` in {group} to "
                f"zonekeeper's identity ({binding}); retrying with backoff until then")

    def _failed(self, message: str, level: int) -> None:
        self.error = message
        if message != self._logged:
            log.log(level, "%s", message)
            self._logged = message
        else:
            log.debug("%s", message)

    def _recovered(self) -> None:
        if self.error is not None and self._logged is not None:
            log.info("%s: recovered (list and watch work again)", self._what())
        self.error = None
        self._logged = None

    def _what(self) -> str:
        where = f" in namespace {self.namespace}" if self.namespace else ""
        selector = f" matching {self.label_selector!r}" if self.label_selector else ""
        return f"{self.resource}{where}{selector}"
