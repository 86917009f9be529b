"""The controller's view of the cluster: one informer per kind, behind the sources' ObjectView.

Sources never know whether objects come from YAML files (`ObjectStore`) or from here; the
controller starts a `ClusterCache` for the kinds its enabled sources read, waits for
`wait_synced()` before the first plan (planning from a half-filled cache would delete records of
objects not listed yet), and plans again when `on_change` says something changed.
"""

from __future__ import annotations

import asyncio
import builtins
import contextlib
from collections.abc import Iterable, Mapping
from typing import Any

from zonekeeper.kube import resources
from zonekeeper.kube.client import KubeClient
from zonekeeper.kube.informer import Informer, Obj, OnChange


class ClusterCache:
    """Informers by kind; implements `zonekeeper.sources.objects.ObjectView`."""

    def __init__(self, client: KubeClient, *, page_size: int = 500, watch_timeout: int = 300,
                 backoff_max: float = 30.0, backoff_initial: float = 0.5, absent_retry: float = 60.0,
                 compact: bool = True, keep_all_annotations: bool = False) -> None:
        self._client = client
        self._options: dict[str, Any] = {
            "page_size": page_size, "watch_timeout": watch_timeout, "backoff_max": backoff_max,
            "backoff_initial": backoff_initial, "absent_retry": absent_retry, "compact": compact,
            "keep_all_annotations": keep_all_annotations,
        }
        self.informers: dict[str, Informer] = {}
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self, kinds: Iterable[str], *, namespace: str | None = None, label_selector: str | None = None,
                    label_selector_kinds: Iterable[str] | None = None, on_change: OnChange | None = None,
                    kind_namespaces: Mapping[str, str | None] | None = None) -> None:
        """Start an informer for each of `kinds` (returns at once; see `wait_synced`).

        `namespace` limits namespaced kinds to one namespace (cluster-scoped ones such as Nodes ignore
        it). `label_selector` (external-dns's --label-filter) applies only to `label_selector_kinds`,
        the kinds sources publish records for; the objects they look up (Nodes, Pods, EndpointSlices,
        Gateways referenced by routes) must be seen whatever their labels. It must be given with a
        selector: guessing which kinds are primary is the controller's business, not the cache's.
        `kind_namespaces` overrides `namespace` for the kinds it names (None: every namespace).
        """
        if label_selector and label_selector_kinds is None:
            raise ValueError("label_selector needs label_selector_kinds (the kinds it filters)")
        filtered = frozenset(label_selector_kinds or ())
        for kind in dict.fromkeys(kinds):  # keep the order, drop duplicates
            if kind not in resources.RESOURCES:
                raise ValueError(f"unknown kind {kind!r}; known: {', '.join(sorted(resources.RESOURCES))}")
            if kind in self.informers:
                raise ValueError(f"an informer for {kind} is already running")
            informer = Informer(
                self._client, kind, namespace=(kind_namespaces or {}).get(kind, namespace),
                label_selector=label_selector if kind in filtered else None, on_change=on_change, **self._options)
            self.informers[kind] = informer
            self._tasks.append(asyncio.create_task(informer.run(), name=f"informer {kind}"))

    async def wait_synced(self, timeout: float | None = None) -> bool:
        """True once every informer has completed its first list (or found its type absent); False if
        `timeout` seconds passed first. The informers keep running either way."""
        waits = [asyncio.ensure_future(informer.synced.wait()) for informer in self.informers.values()]
        if not waits:
            return True
        _done, pending = await asyncio.wait(waits, timeout=timeout)
        for waiter in pending:
            waiter.cancel()
        return not pending

    @property
    def synced(self) -> bool:
        return all(informer.synced.is_set() for informer in self.informers.values())

    @property
    def errors(self) -> dict[str, str]:
        """kind -> the informer's current error, for kinds that have one."""
        return {kind: informer.error for kind, informer in self.informers.items() if informer.error}

    @property
    def absent(self) -> set[str]:
        """Kinds the API server does not serve right now (CRD not installed)."""
        return {kind for kind, informer in self.informers.items() if informer.absent}

    @property
    def restarts(self) -> int:
        return sum(informer.restarts for informer in self.informers.values())

    async def stop(self) -> None:
        for informer in self.informers.values():
            await informer.stop()
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            if not task.done():
                task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*tasks, return_exceptions=True)

    # -- ObjectView ----------------------------------------------------------------------------

    def get(self, kind: str, namespace: str, name: str) -> Obj | None:
        informer = self.informers.get(kind)
        return informer.get(namespace, name) if informer is not None else None

    def list(self, kind: str, namespace: str | None = None) -> builtins.list[Obj]:
        informer = self.informers.get(kind)
        return informer.list(namespace) if informer is not None else []
