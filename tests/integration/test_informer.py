"""The informer and ClusterCache against a real kube-apiserver + etcd (tests/support/kube.py):
paged lists, watch events, bookmarks, apiserver restarts, 410 Gone with re-list and diff,
selectors, RBAC failures and recovery, CRDs that appear later."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import msgspec
import pytest

from tests.support.kube import KubeCluster
from tests.support.kube_fixtures import SKIP_ENV
from zonekeeper.kube import resources
from zonekeeper.kube.cache import ClusterCache
from zonekeeper.kube.client import KubeClient, Resource
from zonekeeper.kube.informer import Informer
from zonekeeper.sources import objects as kinds

# kube_cluster and kube_namespace come from tests.support.kube_fixtures, which tests/conftest.py registers.
pytestmark = [pytest.mark.kube, pytest.mark.integration]

SERVICES = resources.RESOURCES[kinds.SERVICES]
HOSTNAME = "external-dns.alpha.kubernetes.io/hostname"


# --------------------------------------------------------------------------------------------------
# helpers


@pytest.fixture
async def admin(kube_cluster: KubeCluster) -> AsyncIterator[KubeClient]:
    client = await KubeClient.connect(str(kube_cluster.admin_kubeconfig), qps=0)
    yield client
    await client.close()


def service(name: str, *, labels: dict[str, str] | None = None, hostname: str | None = None) -> dict[str, Any]:
    # Headless: no ClusterIP to allocate, so a thousand of them are created quickly.
    meta: dict[str, Any] = {"name": name, "labels": labels or {}}
    if hostname:
        meta["annotations"] = {HOSTNAME: hostname}
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta,
            "spec": {"clusterIP": "None", "ports": [{"name": "http", "port": 80}]}}


async def create_services(client: KubeClient, namespace: str, bodies: list[dict[str, Any]]) -> None:
    limit = asyncio.Semaphore(32)

    async def one(body: dict[str, Any]) -> None:
        async with limit:
            await client.create(SERVICES, namespace, body)

    await asyncio.gather(*(one(b) for b in bodies))


async def annotate(client: KubeClient, namespace: str, name: str, hostname: str) -> None:
    await client.patch(SERVICES, namespace, name, {"metadata": {"annotations": {HOSTNAME: hostname}}})


async def relabel(client: KubeClient, namespace: str, name: str, labels: dict[str, str]) -> None:
    await client.patch(SERVICES, namespace, name, {"metadata": {"labels": labels}})


async def delete(client: KubeClient, resource: Resource, namespace: str, name: str) -> None:
    path = resource.path(namespace, name)
    await client._request("DELETE", path)


async def eventually(check: Callable[[], Any], *, timeout: float = 15.0, what: str = "condition") -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not check():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"{what}: not reached within {timeout:.0f}s")
        await asyncio.sleep(0.02)


class Recorder:
    """on_change: (change, name) pairs, plus the objects, in call order."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, Any, Any]] = []

    def __call__(self, kind: str, change: str, old: Any, new: Any) -> None:
        obj = new if new is not None else old
        self.calls.append((change, obj["metadata"]["name"], old, new))

    def changes(self, name: str | None = None) -> list[tuple[str, str]]:
        return [(c, n) for c, n, _, _ in self.calls if name is None or n == name]


@contextlib.asynccontextmanager
async def running(informer: Informer, *, synced: bool = True) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(informer.run())
    try:
        if synced:
            await asyncio.wait_for(informer.synced.wait(), 20)
        yield task
    finally:
        await informer.stop()
        await task


async def blocking(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """A blocking harness call (restart, compact, apply) off the event loop, so informers keep running."""
    return await asyncio.to_thread(call, *args, **kwargs)


def rv(value: str | None) -> int:
    return int(value or 0)


# --------------------------------------------------------------------------------------------------
# list


async def test_initial_list_is_paged_and_complete(admin: KubeClient, kube_namespace: str) -> None:
    await create_services(admin, kube_namespace, [service(f"svc-{i:04d}") for i in range(1100)])
    continues: list[str | None] = []
    list_raw = admin.list_raw

    async def counting(*args: Any, **kwargs: Any) -> bytes:
        continues.append(kwargs.get("continue_token"))
        data: bytes = await list_raw(*args, **kwargs)
        return data

    admin.list_raw = counting  # type: ignore[method-assign]
    changes = Recorder()
    informer = Informer(admin, kinds.SERVICES, namespace=kube_namespace, page_size=500, on_change=changes)
    async with running(informer):
        assert len(continues) == 3 and continues[0] is None and all(continues[1:])
        assert len(informer.store) == 1100
        assert {n for _, n in changes.changes()} == {f"svc-{i:04d}" for i in range(1100)}
        assert {c for c, _ in changes.changes()} == {"added"}
        obj = informer.get(kube_namespace, "svc-0042")
        assert obj is not None and obj["spec"]["clusterIP"] == "None"
        assert obj["apiVersion"] == "v1" and obj["kind"] == "Service"
        assert rv(informer.resource_version) >= rv(obj["metadata"]["resourceVersion"])


# --------------------------------------------------------------------------------------------------
# watch


async def test_watch_events_reach_on_change_in_order(admin: KubeClient, kube_namespace: str) -> None:
    changes = Recorder()
    informer = Informer(admin, kinds.SERVICES, namespace=kube_namespace, on_change=changes)
    async with running(informer):
        await create_services(admin, kube_namespace, [service("web")])
        await annotate(admin, kube_namespace, "web", "web.example.com")
        await annotate(admin, kube_namespace, "web", "www.example.com")
        await create_services(admin, kube_namespace, [service("api")])
        await delete(admin, SERVICES, kube_namespace, "web")
        await eventually(lambda: len(changes.calls) >= 5, what="five changes")
        await asyncio.sleep(0.3)  # nothing more may follow
        assert changes.changes() == [("added", "web"), ("modified", "web"), ("modified", "web"),
                                     ("added", "api"), ("deleted", "web")]
        _, _, old, new = changes.calls[2]
        assert old["metadata"]["annotations"] == {HOSTNAME: "web.example.com"}
        assert new["metadata"]["annotations"] == {HOSTNAME: "www.example.com"}
        assert changes.calls[4][3] is None and changes.calls[4][2]["metadata"]["name"] == "web"
        assert informer.get(kube_namespace, "web") is None
        assert [o["metadata"]["name"] for o in informer.list(kube_namespace)] == ["api"]
        assert informer.restarts == 0 and informer.relists == 0


async def test_watch_events_larger_than_aiohttps_line_limit(admin: KubeClient, kube_namespace: str) -> None:
    """One watch event is one JSON line holding the whole object; aiohttp's readline() gives up at
    128 KiB, which a Service with a big last-applied annotation exceeds."""
    changes = Recorder()
    informer = Informer(admin, kinds.SERVICES, namespace=kube_namespace, on_change=changes)
    async with running(informer):
        big = service("big", hostname="big.example.com")
        big["metadata"]["annotations"]["example.com/blob"] = "x" * 200_000
        await create_services(admin, kube_namespace, [big])
        await eventually(lambda: changes.changes() == [("added", "big")], what="the big object")
        assert informer.get(kube_namespace, "big")["metadata"]["annotations"] == {  # type: ignore[index]
            HOSTNAME: "big.example.com"}
        assert informer.restarts == 0 and informer.error is None


async def test_bookmarks_advance_the_resource_version(
    admin: KubeClient, kube_cluster: KubeCluster, kube_namespace: str
) -> None:
    """A watch on a quiet namespace still follows the cluster's resourceVersion (bookmarks), so a
    restart resumes from a recent version instead of one that may have been compacted away.
    Bookmarks are best effort: the apiserver sends one about 2 s before the watch's timeout (and
    about once a minute) when its cache has moved on, so the test keeps the cache moving."""
    other = f"{kube_namespace}-elsewhere"
    await blocking(kube_cluster.ensure_namespace, other)
    changes = Recorder()
    informer = Informer(admin, kinds.SERVICES, namespace=kube_namespace, watch_timeout=4, on_change=changes)

    async def noise() -> None:  # changes in another namespace advance the resourceVersion
        for i in range(1000):
            await create_services(admin, other, [service(f"noise-{i}")])
            await asyncio.sleep(0.5)

    async with running(informer):
        start = rv(informer.resource_version)
        noisy = asyncio.create_task(noise())
        try:
            await eventually(lambda: rv(informer.resource_version) > start, timeout=30, what="a bookmark")
            # the server ended a watch (timeoutSeconds); the informer watched again without listing
            await eventually(lambda: informer.restarts >= 1, timeout=10, what="a watch restart")
        finally:
            noisy.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await noisy
        assert informer.relists == 0 and changes.calls == []


@pytest.mark.parametrize("graceful", [False, True], ids=["killed", "graceful"])
async def test_apiserver_restart_loses_and_duplicates_nothing(
    admin: KubeClient, kube_cluster: KubeCluster, kube_namespace: str, graceful: bool
) -> None:
    """A crashed (SIGKILL) or restarted (SIGTERM) apiserver. A graceful shutdown waits for open
    watches to end, so that variant uses short watches (the harness would SIGKILL after 30 s)."""
    await create_services(admin, kube_namespace, [service(n) for n in ("a", "b", "c", "quiet")])
    changes = Recorder()
    informer = Informer(admin, kinds.SERVICES, namespace=kube_namespace, on_change=changes, backoff_max=1.0,
                        watch_timeout=2 if graceful else 300)
    async with running(informer):
        changes.calls.clear()
        # Right before the restart, without waiting for the informer to see it.
        await annotate(admin, kube_namespace, "c", "c.example.com")
        await blocking(kube_cluster.restart_apiserver, graceful=graceful)
        # Right after it, while the informer is still backing off or reconnecting.
        await annotate(admin, kube_namespace, "a", "a.example.com")
        await delete(admin, SERVICES, kube_namespace, "b")
        await create_services(admin, kube_namespace, [service("d")])

        def caught_up() -> bool:
            a, c = informer.get(kube_namespace, "a"), informer.get(kube_namespace, "c")
            return (a is not None and HOSTNAME in (a["metadata"].get("annotations") or {})
                    and c is not None and HOSTNAME in (c["metadata"].get("annotations") or {})
                    and informer.get(kube_namespace, "b") is None
                    and informer.get(kube_namespace, "d") is not None)

        await eventually(caught_up, timeout=30, what="changes around the restart")
        await asyncio.sleep(0.5)
        assert sorted(changes.changes()) == [("added", "d"), ("deleted", "b"), ("modified", "a"), ("modified", "c")]
        assert informer.restarts >= 1
        await eventually(lambda: informer.error is None, what="the error to clear")
        # The cache is what the server has.
        listed = await admin.list_raw(SERVICES, namespace=kube_namespace)
        items = msgspec.json.decode(listed)["items"]
        assert {(i["metadata"]["name"], i["metadata"]["resourceVersion"]) for i in items} == {
            (o["metadata"]["name"], o["metadata"]["resourceVersion"]) for o in informer.list()}


async def test_gone_relists_and_emits_deletes_for_objects_deleted_while_away(
    admin: KubeClient, kube_cluster: KubeCluster, kube_namespace: str
) -> None:
    """The informer stops watching; objects change and are deleted; etcd is compacted and the
    apiserver restarted (its watch cache forgets the old window), so resuming from the old
    resourceVersion is 410 Gone. The re-list must be diffed: deletes are the point."""
    await create_services(admin, kube_namespace, [service(n) for n in ("keep", "change", "vanish", "vanish2")])
    changes = Recorder()
    informer = Informer(admin, kinds.SERVICES, namespace=kube_namespace, on_change=changes, backoff_max=1.0)
    async with running(informer):
        pass
    stale = informer.resource_version
    kept = informer.get(kube_namespace, "keep")
    changes.calls.clear()

    await delete(admin, SERVICES, kube_namespace, "vanish")
    await delete(admin, SERVICES, kube_namespace, "vanish2")
    await annotate(admin, kube_namespace, "change", "change.example.com")
    await create_services(admin, kube_namespace, [service("new")])
    revision = await blocking(kube_cluster.compact)
    assert revision > rv(stale)
    await blocking(kube_cluster.restart_apiserver, graceful=False)

    async with running(informer, synced=False):  # resumes: watch from the stale resourceVersion
        await eventually(lambda: informer.relists == 1, timeout=30, what="a re-list after 410")
        assert rv(informer.resource_version) > rv(stale)
        assert changes.changes() == [("deleted", "vanish"), ("deleted", "vanish2"), ("modified", "change"),
                                     ("added", "new")]
        assert sorted(n for _, n in informer.store) == ["change", "keep", "new"]
        assert informer.get(kube_namespace, "keep") is kept, "unchanged objects are not replaced"
        # and the informer watches again from the fresh list
        await annotate(admin, kube_namespace, "keep", "keep.example.com")
        await eventually(lambda: changes.changes()[-1:] == [("modified", "keep")], what="a watch event")


# --------------------------------------------------------------------------------------------------
# 410 Gone from etcd: a second cluster without the watch cache, where compaction expires continue
# tokens and old resourceVersions at once (with the cache, lists and watches are served from memory).


@pytest.fixture(scope="module")
def etcd_served() -> Iterator[KubeCluster]:
    if os.environ.get(SKIP_ENV) == "1":
        pytest.skip(f"{SKIP_ENV}=1: tests that need kube-apiserver are disabled")
    with KubeCluster(watch_cache=False, install_crds=False) as cluster:
        cluster.ensure_namespace("informer")
        yield cluster


@pytest.fixture
async def etcd_admin(etcd_served: KubeCluster) -> AsyncIterator[KubeClient]:
    client = await KubeClient.connect(str(etcd_served.admin_kubeconfig), qps=0)
    yield client
    await client.close()


async def test_expired_continue_token_restarts_the_list(etcd_admin: KubeClient, etcd_served: KubeCluster) -> None:
    namespace = "informer"
    await create_services(etcd_admin, namespace, [service(f"p-{i}") for i in range(12)])
    list_raw = etcd_admin.list_raw
    calls: list[str | None] = []

    async def compacting(*args: Any, **kwargs: Any) -> bytes:
        calls.append(kwargs.get("continue_token"))
        if len(calls) == 2:  # between the first and the second page
            await create_services(etcd_admin, namespace, [service("late")])
            await blocking(etcd_served.compact)
        data: bytes = await list_raw(*args, **kwargs)
        return data

    etcd_admin.list_raw = compacting  # type: ignore[method-assign]
    informer = Informer(etcd_admin, kinds.SERVICES, namespace=namespace, page_size=5)
    async with running(informer):
        assert calls[0] is None and calls[1] and calls[2] is None, calls  # the second page: 410, start again
        assert len(calls) == 5  # then 13 objects in three pages of 5
        assert len(informer.store) == 13 and informer.get(namespace, "late") is not None


async def test_compaction_expires_the_watch_and_the_relist_diffs(
    etcd_admin: KubeClient, etcd_served: KubeCluster
) -> None:
    namespace = "informer"
    await create_services(etcd_admin, namespace, [service(n) for n in ("w-keep", "w-gone")])
    changes = Recorder()
    informer = Informer(etcd_admin, kinds.SERVICES, namespace=namespace, on_change=changes)
    async with running(informer):
        pass
    stale = informer.resource_version
    changes.calls.clear()
    await delete(etcd_admin, SERVICES, namespace, "w-gone")
    await create_services(etcd_admin, namespace, [service("w-new")])
    await blocking(etcd_served.compact)

    async with running(informer, synced=False):
        await eventually(lambda: informer.relists == 1, what="a re-list after 410")
        assert rv(informer.resource_version) > rv(stale)
        assert [c for c in changes.changes() if c[1].startswith("w-")] == [("deleted", "w-gone"), ("added", "w-new")]


# --------------------------------------------------------------------------------------------------
# selectors


async def test_namespace_and_label_selector_filtering(
    admin: KubeClient, kube_cluster: KubeCluster, kube_namespace: str
) -> None:
    other = f"{kube_namespace}-other"
    await blocking(kube_cluster.ensure_namespace, other)
    await create_services(admin, kube_namespace, [
        service("yes", labels={"dns": "yes"}), service("no", labels={"dns": "no"}), service("bare")])
    await create_services(admin, other, [service("yes-elsewhere", labels={"dns": "yes"})])
    changes = Recorder()
    informer = Informer(admin, kinds.SERVICES, namespace=kube_namespace, label_selector="dns=yes",
                        on_change=changes)
    async with running(informer):
        assert list(informer.store) == [(kube_namespace, "yes")]
        await relabel(admin, kube_namespace, "no", {"dns": "yes"})  # starts matching: added
        await relabel(admin, kube_namespace, "yes", {"dns": "off"})  # stops matching: deleted
        await create_services(admin, other, [service("later-elsewhere", labels={"dns": "yes"})])
        await create_services(admin, kube_namespace, [service("later", labels={"dns": "yes"})])
        await eventually(lambda: len(changes.calls) >= 4, what="selector transitions")
        await asyncio.sleep(0.3)
        assert changes.changes() == [("added", "yes"), ("added", "no"), ("deleted", "yes"), ("added", "later")]
        assert sorted(n for _, n in informer.store) == ["later", "no"]


# --------------------------------------------------------------------------------------------------
# RBAC


async def test_forbidden_until_rbac_is_granted(
    kube_cluster: KubeCluster, kube_namespace: str, caplog: pytest.LogCaptureFixture
) -> None:
    kubeconfig = await blocking(kube_cluster.kubeconfig_for_serviceaccount, kube_namespace, "zonekeeper")
    client = await KubeClient.connect(str(kubeconfig), qps=0)
    informer = Informer(client, kinds.SERVICES, backoff_initial=0.2, backoff_max=1.0)
    try:
        with caplog.at_level(logging.INFO, logger="zonekeeper.kube.informer"):
            async with running(informer, synced=False):
                await eventually(lambda: informer.error is not None, what="the 403 error")
                message = informer.error or ""
                assert "forbidden" in message and "may not list services at cluster scope" in message
                assert "`list` and `watch` on `services`" in message and "ClusterRole" in message
                assert not informer.synced.is_set()

                role = f"zonekeeper-{kube_namespace}"
                await blocking(kube_cluster.apply, [
                    {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                     "metadata": {"name": role},
                     "rules": [{"apiGroups": [""], "resources": ["services"], "verbs": ["list", "watch"]}]},
                    {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                     "metadata": {"name": role},
                     "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
                     "subjects": [{"kind": "ServiceAccount", "name": "zonekeeper", "namespace": kube_namespace}]},
                ])
                await asyncio.wait_for(informer.synced.wait(), 15)
                await eventually(lambda: informer.error is None, what="recovery")
        errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
        assert len(errors) == 1 and "`list` and `watch` on `services`" in errors[0]
        assert any("recovered" in r.getMessage() for r in caplog.records)
    finally:
        await client.close()


# --------------------------------------------------------------------------------------------------
# ClusterCache


async def test_cluster_cache_with_cluster_scoped_kinds_and_a_crd_installed_later(
    admin: KubeClient, kube_cluster: KubeCluster, kube_namespace: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    group = f"{kube_namespace}.example.com"
    widgets = f"widgets.{group}"
    monkeypatch.setitem(resources.RESOURCES, widgets, Resource(group, "v1", "widgets", "Widget"))
    monkeypatch.setitem(resources.SHAPES, widgets, {"metadata": {"name": True, "namespace": True,
                                                                 "resourceVersion": True}, "spec": True})
    await create_services(admin, kube_namespace, [service("web")])
    node = f"node-{kube_namespace}"
    await blocking(kube_cluster.apply, {"apiVersion": "v1", "kind": "Node", "metadata": {"name": node}})
    await blocking(kube_cluster.apply, {
        "apiVersion": "externaldns.k8s.io/v1alpha1", "kind": "DNSEndpoint",
        "metadata": {"name": "static", "namespace": kube_namespace},
        "spec": {"endpoints": [{"dnsName": "static.example.com", "recordType": "A", "targets": ["192.0.2.1"]}]}})

    changes = Recorder()
    cache = ClusterCache(admin, absent_retry=0.5)
    await cache.start([kinds.SERVICES, kinds.NODES, kinds.DNSENDPOINTS, widgets], namespace=kube_namespace,
                      label_selector="none=here", label_selector_kinds={kinds.DNSENDPOINTS}, on_change=changes)
    try:
        assert await cache.wait_synced(20), cache.errors
        assert cache.synced and cache.errors == {} and cache.absent == {widgets}
        assert cache.get(kinds.SERVICES, kube_namespace, "web") is not None
        assert cache.get(kinds.NODES, "", node) is not None, "Nodes ignore the namespace"
        assert cache.list(kinds.DNSENDPOINTS) == [], "the label selector applies to DNSEndpoints"
        assert cache.list(widgets) == []

        await blocking(kube_cluster.apply, {
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": widgets},
            "spec": {"group": group, "scope": "Namespaced",
                     "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
                     "versions": [{"name": "v1", "served": True, "storage": True, "schema": {"openAPIV3Schema": {
                         "type": "object", "x-kubernetes-preserve-unknown-fields": True}}}]}})
        await blocking(kube_cluster.wait_for_crds, [widgets])
        await blocking(kube_cluster.apply, {"apiVersion": f"{group}/v1", "kind": "Widget",
                                            "metadata": {"name": "w1", "namespace": kube_namespace},
                                            "spec": {"size": 3}})
        await eventually(lambda: cache.get(widgets, kube_namespace, "w1") is not None, what="the new CRD's objects")
        assert cache.absent == set()
        assert cache.get(widgets, kube_namespace, "w1")["spec"] == {"size": 3}  # type: ignore[index]
        assert ("added", "w1") in changes.changes()
    finally:
        await cache.stop()
    assert all(informer._runner is None for informer in cache.informers.values())


async def test_run_can_be_cancelled_while_watching(admin: KubeClient, kube_namespace: str) -> None:
    informer = Informer(admin, kinds.SERVICES, namespace=kube_namespace)
    task = asyncio.create_task(informer.run())
    await asyncio.wait_for(informer.synced.wait(), 10)
    await asyncio.sleep(0.2)  # inside the watch
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # The connection went back (closed): the client still works for new requests.
    await asyncio.wait_for(admin.list_raw(SERVICES, namespace=kube_namespace), 5)

