"""The informer's logic on plain data: the re-list diff, and the list/watch state machine against a
scripted fake client (no network). The same behaviours against a real kube-apiserver are in
tests/integration/test_informer.py."""

from __future__ import annotations

import asyncio
import copy
import json
import logging
import tracemalloc
from collections.abc import AsyncGenerator, Callable, Mapping
from pathlib import Path
from typing import Any

import msgspec
import pytest

from zonekeeper import manifests
from zonekeeper.kube import frozen, resources
from zonekeeper.kube.cache import ClusterCache
from zonekeeper.kube.client import KubeClient, KubeError, Resource
from zonekeeper.kube.informer import Backoff, Informer, diff, key_of
from zonekeeper.sources import SOURCES, collect
from zonekeeper.sources import objects as kinds
from zonekeeper.sources.base import SourceConfig
from zonekeeper.sources.common import dig
from zonekeeper.sources.objects import ObjectStore

REPO_ROOT = Path(__file__).resolve().parents[2]

# --------------------------------------------------------------------------------------------------
# plain data


def svc(name: str, rv: int | str, ns: str = "default", **annotations: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": ns, "resourceVersion": str(rv)}
    if annotations:
        meta["annotations"] = dict(annotations)
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": {"type": "ClusterIP"}}


def test_diff_added_modified_deleted() -> None:
    a1, b1, c1 = svc("a", 1), svc("b", 2), svc("c", 3)
    b2, d1 = svc("b", 5), svc("d", 6)
    old = {key_of(o): o for o in (a1, b1, c1)}
    new = {key_of(o): o for o in (svc("a", 1), b2, d1)}
    assert diff(old, new) == [("deleted", c1, None), ("modified", b1, b2), ("added", None, d1)]


def test_diff_ignores_unchanged_resource_versions_even_if_content_differs() -> None:
    # A re-list returns every object again; only the resourceVersion says whether it changed.
    old = {("default", "a"): svc("a", 7)}
    assert diff(old, {("default", "a"): svc("a", 7, foo="bar")}) == []


def test_diff_empty_sides() -> None:
    objs = {key_of(o): o for o in (svc("a", 1), svc("a", 1, ns="other"))}
    assert [c[0] for c in diff({}, objs)] == ["added", "added"]
    assert [c[0] for c in diff(objs, {})] == ["deleted", "deleted"]
    assert diff({}, {}) == []


def test_backoff_grows_to_the_maximum_with_jitter() -> None:
    b = Backoff(0.5, 4.0, rng=lambda lo, hi: 1.0)
    assert [b.next() for _ in range(6)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    b.reset()
    assert b.next() == 0.5
    jittered = Backoff(1.0, 30.0)
    assert all(0.8 <= jittered.next() / d <= 1.2 for d in (1.0, 2.0, 4.0))


# --------------------------------------------------------------------------------------------------
# a scripted client

WatchScript = list[bytes | BaseException | asyncio.Event]  # an Event: wait for it


def event(kind: str, obj: dict[str, Any]) -> bytes:
    return json.dumps({"type": kind, "object": obj}).encode()


def bookmark(rv: int) -> bytes:
    return event("BOOKMARK", {"kind": "Service", "apiVersion": "v1", "metadata": {"resourceVersion": str(rv)}})


def error_event(code: int, reason: str = "Expired", message: str = "too old resource version") -> bytes:
    return event("ERROR", {"kind": "Status", "apiVersion": "v1", "status": "Failure", "code": code,
                           "reason": reason, "message": message})


class FakeClient:
    """list_raw serves `objects` in pages (or raises the next of `list_errors`); each watch_raw call
    plays the next script from `watches` (lines, or an exception to raise), then ends the stream
    normally; with no script left it blocks until cancelled."""

    def __init__(self, objects: list[dict[str, Any]], rv: int = 100) -> None:
        self.objects = objects
        self.rv = rv
        self.list_errors: list[BaseException] = []
        self.page_errors: dict[int, BaseException] = {}  # page index -> raised once
        self.watches: list[WatchScript] = []
        self.list_calls: list[dict[str, Any]] = []
        self.watch_calls: list[dict[str, Any]] = []
        self.open_watches = 0
        self.closed_watches = 0

    async def list_raw(self, resource: Resource, *, namespace: str | None = None, label_selector: str | None = None,
                       limit: int = 500, continue_token: str | None = None,
                       resource_version: str | None = None) -> bytes:
        self.list_calls.append({"namespace": namespace, "label_selector": label_selector, "limit": limit,
                                "continue": continue_token})
        if self.list_errors:
            raise self.list_errors.pop(0)
        start = int(continue_token or 0)
        if start // limit in self.page_errors:
            raise self.page_errors.pop(start // limit)
        items = [copy.deepcopy(o) for o in self.objects[start:start + limit]]
        for item in items:  # list items carry no apiVersion/kind
            item.pop("apiVersion", None)
            item.pop("kind", None)
        more = start + limit < len(self.objects)
        meta = {"resourceVersion": str(self.rv), **({"continue": str(start + limit)} if more else {})}
        return json.dumps({"kind": "ServiceList", "apiVersion": "v1", "metadata": meta, "items": items}).encode()

    async def watch_raw(self, resource: Resource, *, resource_version: str, namespace: str | None = None,
                        label_selector: str | None = None, timeout_seconds: int = 300,
                        read_timeout: float = 330.0) -> AsyncGenerator[bytes, None]:
        self.watch_calls.append({"rv": resource_version, "namespace": namespace, "label_selector": label_selector,
                                 "timeout": timeout_seconds})
        script = self.watches.pop(0) if self.watches else None
        self.open_watches += 1
        try:
            if script is None:
                await asyncio.Event().wait()
                return
            for item in script:
                await asyncio.sleep(0)
                if isinstance(item, asyncio.Event):
                    await item.wait()
                    continue
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            self.open_watches -= 1
            self.closed_watches += 1


class Recorder:
    def __init__(self) -> None:
        self.changes: list[tuple[str, str, str | None, str | None]] = []

    def __call__(self, kind: str, change: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
        def label(o: dict[str, Any] | None) -> str | None:
            return None if o is None else f"{o['metadata']['name']}@{o['metadata']['resourceVersion']}"
        self.changes.append((kind, change, label(old), label(new)))

    def kinds(self) -> list[tuple[str, str | None]]:
        return [(c[1], (c[3] or c[2] or "").split("@")[0]) for c in self.changes]


def assert_indexed(informer: Informer) -> None:
    """The namespace index holds exactly the store's objects."""
    namespaces = {ns for ns, _ in informer.store}
    assert sorted(informer._by_namespace) == sorted(namespaces)
    for ns in namespaces:
        assert {(ns, n): o for n, o in informer._by_namespace[ns].items()} == {
            k: o for k, o in informer.store.items() if k[0] == ns}


async def until(check: Callable[[], Any], timeout: float = 3.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached")
        await asyncio.sleep(0.005)


def make(client: FakeClient, **kwargs: Any) -> tuple[Informer, Recorder]:
    rec = Recorder()
    kwargs.setdefault("backoff_initial", 0.01)
    kwargs.setdefault("backoff_max", 0.02)
    informer = Informer(client, kinds.SERVICES, on_change=rec, **kwargs)  # type: ignore[arg-type]
    return informer, rec


async def running(informer: Informer) -> asyncio.Task[None]:
    task = asyncio.create_task(informer.run())
    await asyncio.sleep(0)
    return task


# --------------------------------------------------------------------------------------------------
# list


async def test_paged_list_fills_the_cache_and_sets_synced() -> None:
    client = FakeClient([svc(f"s{i:04d}", i) for i in range(1100)])
    informer, rec = make(client, page_size=500)
    task = await running(informer)
    await asyncio.wait_for(informer.synced.wait(), 2)
    assert [c["continue"] for c in client.list_calls] == [None, "500", "1000"]
    assert len(informer.store) == 1100 and informer.resource_version == "100"
    assert len(rec.changes) == 1100 and {c[1] for c in rec.changes} == {"added"}
    # slim: list items get apiVersion/kind back, and the object is keyed by (namespace, name)
    assert informer.get("default", "s0007") == {
        "apiVersion": "v1", "kind": "Service",
        "metadata": {"name": "s0007", "namespace": "default", "resourceVersion": "7"}, "spec": {"type": "ClusterIP"}}
    assert len(informer.list("default")) == 1100 and informer.list("other") == []
    await until(lambda: client.watch_calls)
    assert client.watch_calls[0]["rv"] == "100"
    await informer.stop()
    await task


async def test_list_by_namespace_follows_events() -> None:
    client = FakeClient([svc("a", 1, ns="x"), svc("b", 2, ns="y"), svc("c", 3, ns="x")])
    client.watches = [[event("DELETED", svc("b", 110, ns="y")), event("ADDED", svc("d", 111, ns="z")),
                       event("MODIFIED", svc("a", 112, ns="x")), event("DELETED", svc("c", 113, ns="x"))]]
    informer, _ = make(client)
    task = await running(informer)
    await until(lambda: informer.resource_version == "113")
    assert [o["metadata"]["name"] for o in informer.list("x")] == ["a"]
    assert informer.list("y") == [] and [o["metadata"]["name"] for o in informer.list("z")] == ["d"]
    assert informer.list("x")[0]["metadata"]["resourceVersion"] == "112"
    assert_indexed(informer)
    await informer.stop()
    await task


async def test_expired_continue_token_restarts_the_list() -> None:
    client = FakeClient([svc(f"s{i}", i) for i in range(25)])
    client.page_errors[1] = KubeError(410, "Expired", "The provided continue parameter is too old")
    informer, rec = make(client, page_size=10)
    task = await running(informer)
    await asyncio.wait_for(informer.synced.wait(), 2)
    assert [c["continue"] for c in client.list_calls] == [None, "10", None, "10", "20"]
    assert len(informer.store) == 25 and len(rec.changes) == 25
    await informer.stop()
    await task


# --------------------------------------------------------------------------------------------------
# watch


async def test_watch_events_update_the_cache_in_order() -> None:
    client = FakeClient([svc("a", 10), svc("b", 11)])
    client.watches = [[
        event("ADDED", svc("c", 101)),
        event("MODIFIED", svc("a", 102, **{"external-dns.alpha.kubernetes.io/hostname": "a.example.com"})),
        event("MODIFIED", svc("a", 102)),  # a replay at the same resourceVersion: not a change
        event("DELETED", svc("b", 103)),
        event("DELETED", svc("zz", 104)),  # never seen: nothing to delete
        bookmark(150),
    ]]
    informer, rec = make(client)
    task = await running(informer)
    await until(lambda: informer.resource_version == "150")
    assert rec.kinds()[2:] == [("added", "c"), ("modified", "a"), ("deleted", "b")]
    assert rec.changes[3] == ("services", "modified", "a@10", "a@102")
    assert sorted(informer.store) == [("default", "a"), ("default", "c")]
    assert_indexed(informer)
    assert informer.get("default", "a")["metadata"]["annotations"] == {  # type: ignore[index]
        "external-dns.alpha.kubernetes.io/hostname": "a.example.com"}
    # The script ended like a server timeout: watch again from the bookmark's resourceVersion.
    await until(lambda: len(client.watch_calls) == 2)
    assert client.watch_calls[1]["rv"] == "150"
    assert len(client.list_calls) == 1 and informer.restarts == 1
    await informer.stop()
    await task


async def test_gone_relists_and_emits_deletes_for_objects_that_vanished() -> None:
    client = FakeClient([svc("keep", 1), svc("change", 2), svc("vanish", 3)])
    away = asyncio.Event()
    client.watches = [[bookmark(120), away, error_event(410)]]
    informer, rec = make(client)
    task = await running(informer)
    await until(lambda: informer.resource_version == "120")
    # while the watch was away: "vanish" deleted, "change" modified, "new" created
    client.objects = [svc("keep", 1), svc("change", 50), svc("new", 51)]
    client.rv = 200
    away.set()
    await until(lambda: len(client.list_calls) == 2 and informer.resource_version == "200")
    assert rec.kinds()[3:] == [("deleted", "vanish"), ("modified", "change"), ("added", "new")]
    assert_indexed(informer)
    assert informer.relists == 1
    assert client.watch_calls[-1]["rv"] == "200"
    await informer.stop()
    await task


async def test_gone_answer_to_the_watch_request_relists_too() -> None:
    client = FakeClient([svc("a", 1)])
    client.watches = [[KubeError(410, "Gone", "too old")]]
    informer, _ = make(client)
    task = await running(informer)
    await until(lambda: len(client.list_calls) == 2 and len(client.watch_calls) == 2)
    await informer.stop()
    await task


async def test_connection_errors_rewatch_from_the_last_resource_version_without_listing() -> None:
    client = FakeClient([svc("a", 1)])
    client.watches = [
        [event("ADDED", svc("b", 110)), KubeError(0, "Unreachable", "connection reset")],
        [KubeError(0, "Unreachable", "connection refused")],
        [KubeError(0, "WatchStalled", "no data")],
        [event("ADDED", svc("c", 111))],
    ]
    informer, rec = make(client)
    task = await running(informer)
    await until(lambda: informer.get("default", "c") is not None)
    assert [c["rv"] for c in client.watch_calls[:4]] == ["100", "110", "110", "110"]
    assert len(client.list_calls) == 1
    assert rec.kinds() == [("added", "a"), ("added", "b"), ("added", "c")]
    assert informer.restarts >= 3
    assert informer.error is None  # the last watch worked
    await informer.stop()
    await task


async def test_forbidden_sets_a_clear_error_and_recovers(caplog: pytest.LogCaptureFixture) -> None:
    client = FakeClient([svc("a", 1)])
    forbidden = KubeError(403, "Forbidden", 'services is forbidden: User "system:serviceaccount:x:y" cannot list '
                                            'resource "services" in API group "" at the cluster scope')
    client.list_errors = [forbidden, forbidden, forbidden]
    informer, _ = make(client)
    with caplog.at_level(logging.DEBUG, logger="zonekeeper.kube.informer"):
        task = await running(informer)
        await until(lambda: informer.error is not None)
        assert not informer.synced.is_set()
        message = informer.error
        assert message is not None
        assert "`list` and `watch` on `services`" in message and "may not list services" in message
        assert "ClusterRole" in message
        await asyncio.wait_for(informer.synced.wait(), 2)
        await until(lambda: informer.error is None)
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1, "the same error is logged once, not at every retry"
    assert any("recovered" in r.getMessage() for r in caplog.records)
    await informer.stop()
    await task


async def test_absent_type_counts_as_synced_and_is_looked_for_again() -> None:
    client = FakeClient([svc("a", 1)])
    client.list_errors = [KubeError(404, "NotFound", "the server could not find the requested resource")]
    informer, rec = make(client, absent_retry=0.05)
    task = await running(informer)
    await asyncio.wait_for(informer.synced.wait(), 2)
    assert informer.absent and informer.store == {} and informer.error is None
    await until(lambda: informer.get("default", "a") is not None)
    assert not informer.absent and rec.kinds() == [("added", "a")]
    await informer.stop()
    await task


async def test_a_server_that_ends_every_watch_at_once_is_backed_off() -> None:
    client = FakeClient([svc("a", 1)])
    client.watches = [[] for _ in range(1000)]
    informer, _ = make(client, backoff_initial=0.05, backoff_max=0.05)
    task = await running(informer)
    await asyncio.sleep(0.3)
    assert len(client.watch_calls) < 15
    await informer.stop()
    await task


async def test_a_failing_callback_does_not_stop_the_informer(caplog: pytest.LogCaptureFixture) -> None:
    client = FakeClient([svc("a", 1)])
    client.watches = [[event("ADDED", svc("b", 101))]]
    seen: list[str] = []

    def boom(kind: str, change: str, old: Any, new: Any) -> None:
        seen.append(change)
        raise RuntimeError("consumer bug")

    informer = Informer(client, kinds.SERVICES, on_change=boom)  # type: ignore[arg-type]
    task = await running(informer)
    await until(lambda: informer.get("default", "b") is not None)
    assert seen == ["added", "added"]
    assert "consumer bug" in caplog.text
    await informer.stop()
    await task


async def test_stop_and_cancel_close_the_watch() -> None:
    client = FakeClient([svc("a", 1)])
    informer, _ = make(client)
    task = await running(informer)
    await until(lambda: client.open_watches == 1)
    await informer.stop()
    await task  # stop() makes run() return
    assert client.open_watches == 0 and client.closed_watches == 1

    task = await running(informer)
    await until(lambda: client.open_watches == 1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert client.open_watches == 0


async def test_cluster_scoped_kinds_ignore_the_namespace() -> None:
    client = FakeClient([])
    node = Informer(client, kinds.NODES, namespace="team-a")  # type: ignore[arg-type]
    assert node.namespace is None
    svc_informer = Informer(client, kinds.SERVICES, namespace="team-a")  # type: ignore[arg-type]
    assert svc_informer.namespace == "team-a"


# --------------------------------------------------------------------------------------------------
# ClusterCache


async def test_cluster_cache_view_and_selector_kinds() -> None:
    client = FakeClient([svc("a", 1, ns="team-a")])
    cache = ClusterCache(client, backoff_initial=0.01, backoff_max=0.02, absent_retry=0.05)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="label_selector_kinds"):
        await cache.start([kinds.SERVICES], label_selector="app=x")
    changes = Recorder()
    await cache.start([kinds.SERVICES, kinds.NODES, kinds.SERVICES], namespace="team-a", label_selector="dns=yes",
                      label_selector_kinds={kinds.SERVICES}, on_change=changes)
    assert await cache.wait_synced(2)
    assert cache.synced and cache.errors == {} and cache.absent == set()
    assert set(cache.informers) == {kinds.SERVICES, kinds.NODES}
    calls = {(c["namespace"], c["label_selector"]) for c in client.list_calls}
    assert calls == {("team-a", "dns=yes"), (None, None)}
    assert cache.get(kinds.SERVICES, "team-a", "a") is not None
    assert cache.get(kinds.INGRESSES, "team-a", "a") is None
    assert [o["metadata"]["name"] for o in cache.list(kinds.SERVICES)] == ["a"]
    assert cache.list(kinds.SERVICES, "other") == [] and cache.list(kinds.PODS) == []
    await cache.stop()
    assert all(t.done() for t in cache._tasks) and cache._tasks == []


async def test_cluster_cache_wait_synced_times_out_while_forbidden() -> None:
    client = FakeClient([])
    client.list_errors = [KubeError(403, "Forbidden", "no")] * 1000
    cache = ClusterCache(client, backoff_initial=0.01, backoff_max=0.02)  # type: ignore[arg-type]
    await cache.start([kinds.SERVICES])
    assert not await cache.wait_synced(0.1)
    assert not cache.synced and "services" in cache.errors[kinds.SERVICES]
    await cache.stop()


# --------------------------------------------------------------------------------------------------
# KubeClient.watch_raw line framing


class _Stream:
    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks

    async def readany(self) -> bytes:
        await asyncio.sleep(0)
        return self.chunks.pop(0) if self.chunks else b""


class _Response:
    status = 200

    def __init__(self, chunks: list[bytes]) -> None:
        self.response = self
        self.content = _Stream(chunks)
        self.released = False

    def release(self) -> None:
        self.released = True


async def test_watch_raw_splits_lines_across_chunks_and_allows_huge_events() -> None:
    big = event("ADDED", svc("big", 1, **{"external-dns.alpha.kubernetes.io/hostname": "x" * 400_000}))
    stream = b"\n".join([event("ADDED", svc("a", 1)), big, bookmark(5)]) + b"\n"
    chunks = [stream[i:i + 7000] for i in range(0, len(stream), 7000)]
    response = _Response(chunks)
    client = KubeClient(api=None, qps=0)

    async def fake_send(*args: Any, **kwargs: Any) -> _Response:
        return response

    client._send = fake_send  # type: ignore[method-assign]
    resource = resources.RESOURCES[kinds.SERVICES]
    lines = [line async for line in client.watch_raw(resource, resource_version="1")]
    assert [msgspec.json.decode(line)["type"] for line in lines] == ["ADDED", "ADDED", "BOOKMARK"]
    assert lines[1] == big and response.released

    truncated = _Response([event("ADDED", svc("a", 1))[:20]])

    async def send_truncated(*args: Any, **kwargs: Any) -> _Response:
        return truncated

    client._send = send_truncated  # type: ignore[method-assign]
    with pytest.raises(KubeError) as info:
        _ = [line async for line in client.watch_raw(resource, resource_version="1")]
    assert info.value.status == 0 and truncated.released


# --------------------------------------------------------------------------------------------------
# memory


def realistic_service(i: int) -> dict[str, Any]:
    """A Service as `kubectl apply` + a cloud controller leave it: managedFields, the last-applied
    annotation, labels, two ports and a load balancer hostname."""
    name, ns = f"web-{i:05d}", f"team-{i % 50:02d}"
    spec = {
        "type": "LoadBalancer", "selector": {"app": "web", "instance": name},
        "ports": [{"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP", "nodePort": 30000 + i % 2000},
                  {"name": "https", "port": 443, "targetPort": 8443, "protocol": "TCP",
                   "nodePort": 32000 + i % 700}],
        "externalTrafficPolicy": "Cluster", "sessionAffinity": "None", "ipFamilies": ["IPv4"],
        "ipFamilyPolicy": "SingleStack", "internalTrafficPolicy": "Cluster", "allocateLoadBalancerNodePorts": True,
        "clusterIP": f"10.96.{i // 250}.{i % 250}", "clusterIPs": [f"10.96.{i // 250}.{i % 250}"],
    }
    applied = {"apiVersion": "v1", "kind": "Service", "metadata": {
        "name": name, "namespace": ns, "labels": {"app": "web", "team": ns},
        "annotations": {"external-dns.alpha.kubernetes.io/hostname": f"{name}.example.com",
                        "external-dns.alpha.kubernetes.io/ttl": "60"}}, "spec": spec}
    return {
        "metadata": {
            "name": name, "namespace": ns, "uid": f"5e0c1d4a-7f2b-4c1e-9a3d-{i:012d}",
            "resourceVersion": str(1_000_000 + i), "creationTimestamp": "2026-10-01T12:00:00Z",
            "labels": {"app": "web", "team": ns, "app.kubernetes.io/managed-by": "Helm"},
            "annotations": {
                "external-dns.alpha.kubernetes.io/hostname": f"{name}.example.com",
                "external-dns.alpha.kubernetes.io/ttl": "60",
                "meta.helm.sh/release-name": "web", "meta.helm.sh/release-namespace": ns,
                "kubectl.kubernetes.io/last-applied-configuration": msgspec.json.encode(applied).decode(),
            },
            "managedFields": [
                {"manager": "kubectl-client-side-apply", "operation": "Update", "apiVersion": "v1",
                 "time": "2026-10-01T12:00:00Z", "fieldsType": "FieldsV1", "fieldsV1": {
                     "f:metadata": {"f:annotations": {".": {}, "f:external-dns.alpha.kubernetes.io/hostname": {},
                                                      "f:kubectl.kubernetes.io/last-applied-configuration": {}},
                                    "f:labels": {".": {}, "f:app": {}, "f:team": {}}},
                     "f:spec": {"f:externalTrafficPolicy": {}, "f:ports": {
                         ".": {}, 'k:{"port":80,"protocol":"TCP"}': {".": {}, "f:name": {}, "f:port": {},
                                                                   "f:protocol": {}, "f:targetPort": {}},
                         'k:{"port":443,"protocol":"TCP"}': {".": {}, "f:name": {}, "f:port": {},
                                                            "f:protocol": {}, "f:targetPort": {}}},
                         "f:selector": {}, "f:sessionAffinity": {}, "f:type": {}}}},
                {"manager": "aws-cloud-controller-manager", "operation": "Update", "apiVersion": "v1",
                 "time": "2026-10-01T12:00:05Z", "fieldsType": "FieldsV1", "subresource": "status",
                 "fieldsV1": {"f:status": {"f:loadBalancer": {"f:ingress": {}}}}},
            ],
        },
        "spec": spec,
        "status": {"loadBalancer": {"ingress": [
            {"hostname": f"a{i:05d}0123456789abcdef-1234567890.eu-west-1.elb.amazonaws.com"}]}},
    }


def retained_per_object(pages: list[bytes], informer: Informer) -> float:
    """Heap retained per object by an informer's store (and its namespace index) filled from JSON
    list pages as a list does (decode a page into builtins, convert each item, keep the results)."""
    tracemalloc.start()
    try:
        baseline = tracemalloc.get_traced_memory()[0]
        store: dict[tuple[str, str], Any] = {}
        for page in pages:
            for item in msgspec.json.decode(page)["items"]:
                obj = informer._convert(item)
                store[key_of(obj)] = obj
        del item, obj
        informer._replace(store)
        retained = tracemalloc.get_traced_memory()[0] - baseline
    finally:
        tracemalloc.stop()
    return retained / len(informer.store)


def test_memory_of_10k_slim_services() -> None:
    """Retained heap of 10,000 realistic Services in an informer store (managedFields and the
    last-applied annotation in the JSON, dropped by slim). Target about 1 KB per object; fail above
    2 KB. Plain slim dicts are measured too, for the record: about 4 KB."""
    n = 10_000
    pages = [msgspec.json.encode({"kind": "ServiceList", "apiVersion": "v1", "metadata": {"resourceVersion": "1"},
                                  "items": [realistic_service(i) for i in range(start, start + 500)]})
             for start in range(0, n, 500)]
    compact = Informer(FakeClient([]), kinds.SERVICES)  # type: ignore[arg-type]
    plain = Informer(FakeClient([]), kinds.SERVICES, compact=False)  # type: ignore[arg-type]
    as_records = retained_per_object(pages, compact)
    as_dicts = retained_per_object(pages[:4], plain)  # per object, 2,000 tell the same
    print(f"\n10k Services: {sum(map(len, pages)) / n:.0f} B of JSON each; retained per object: "
          f"{as_records:.0f} B compact, {as_dicts:.0f} B as slim dicts")
    assert as_records < 2048
    assert as_records < as_dicts * 0.6


# --------------------------------------------------------------------------------------------------
# frozen objects


def test_frozen_objects_are_read_only_mappings_equal_to_the_slim_dicts() -> None:
    raw = realistic_service(3)
    slim = resources.slim(kinds.SERVICES, raw)
    obj = frozen.freeze(kinds.SERVICES, slim)
    assert isinstance(obj, Mapping) and not isinstance(obj, dict)
    assert obj == slim and slim == obj and obj != {**slim, "kind": "Other"}
    assert obj["metadata"]["name"] == "web-00003" and obj.get("nope") is None and "nope" not in obj
    assert "status" in obj and set(obj) == set(slim) and len(obj) == len(slim)
    assert obj["spec"]["ports"][1]["nodePort"] == 32003
    assert dig(obj, "status", "loadBalancer", "ingress")[0]["hostname"].endswith(".elb.amazonaws.com")
    assert "ip" not in obj["status"]["loadBalancer"]["ingress"][0]  # absent keys stay absent
    with pytest.raises(KeyError):
        obj["spec"]["externalName"]
    with pytest.raises(AttributeError):
        obj.metadata = {}  # type: ignore[attr-defined]
    with pytest.raises(TypeError):
        obj["kind"] = "x"  # type: ignore[index]
    assert frozen.to_builtins(obj) == slim
    assert json.loads(json.dumps(frozen.to_builtins(obj))) == slim
    assert msgspec.json.decode(msgspec.json.encode(obj)) == slim
    # repeated strings are shared between objects, unique ones are not
    other = frozen.freeze(kinds.SERVICES, resources.slim(kinds.SERVICES, realistic_service(53)))
    assert other["metadata"]["namespace"] is obj["metadata"]["namespace"]
    assert other["spec"]["ports"][0]["protocol"] is obj["spec"]["ports"][0]["protocol"]
    # and within one object: the clusterIP is the same string as clusterIPs[0]
    assert obj["spec"]["clusterIP"] is obj["spec"]["clusterIPs"][0]


def test_interner_forgets_strings_nothing_uses_any_more() -> None:
    interner = frozen.Interner(min_purge=8)
    kept = [interner("".join(("kept-", str(i)))) for i in range(4)]
    for i in range(100):
        interner("".join(("gone-", str(i))))
    assert len(interner) < 20
    assert all(interner("".join(("kept-", str(i)))) is kept[i] for i in range(4))
    assert interner("x" * 100) is not interner("x" * 100)  # long values are not shared...
    assert interner("k" * 100, any_length=True) is interner("k" * 100, any_length=True)  # ...keys are


@pytest.mark.parametrize("compact", [False, True])
def test_sources_see_the_same_endpoints_in_cached_objects(compact: bool) -> None:
    """The example cluster through the sources, as read from files and as the informer stores it
    (slim, and frozen): the same endpoints and problems. (The whole source test suite was also run
    with every object slimmed and frozen this way; it passes.)"""
    raw_view, problems = manifests.load([REPO_ROOT / "examples" / "cluster.yaml"])
    assert not problems
    cached = ObjectStore()
    for kind in raw_view.kinds():
        for obj in raw_view.list(kind):
            slim = resources.slim(kind, obj)
            cached.add(frozen.freeze(kind, slim) if compact else slim, kind)
    names = [n for n in SOURCES if n != "fake"]  # fake reads no objects
    config = SourceConfig()
    expected, got = collect(raw_view, names, config), collect(cached, names, config)
    assert expected.endpoints and got.endpoints == expected.endpoints
    assert got.problems == expected.problems
