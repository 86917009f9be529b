"""The mass-deletion guard and the load-balancer grace period, live: the controller runs against a real
kube-apiserver (as the shipped ServiceAccount) and the strict Route 53 endpoint.

Figures (records deleted, timelines) are printed; run with `-s` to see them.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_live_controller import (
    NLB1,
    NLB2,
    controller_kubeconfig,  # noqa: F401  (fixture)
    eventually,
    lb_service,
    records,
    settings_for,
    start,
    stop,
    value_of,
)
from tests.integration.test_observability import aget, ascrape, free_port, total
from tests.support.kube import KubeCluster
from tests.support.route53 import StrictRoute53Server

pytestmark = [pytest.mark.kube, pytest.mark.integration, pytest.mark.timeout(240)]

HOSTNAME = "external-dns.alpha.kubernetes.io/hostname"
TARGET = "external-dns.alpha.kubernetes.io/target"
POD = "zonekeeper-guard-test"


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def zone(route53: StrictRoute53Server) -> str:
    return route53.create_zone("example.com")


@pytest.fixture
def pod_identity(monkeypatch: pytest.MonkeyPatch, kube_cluster: KubeCluster) -> str:
    """The Pod the controller believes it runs in (the downward API's POD_NAME / POD_NAMESPACE)."""
    kube_cluster.ensure_namespace("zonekeeper")
    name = f"{POD}-{uuid.uuid4().hex[:6]}"
    monkeypatch.setenv("POD_NAME", name)
    monkeypatch.setenv("POD_NAMESPACE", "zonekeeper")
    return name


def _service(name: str, ns: str, hostname: str, ip: str, labels: dict[str, str]) -> dict[str, Any]:
    # A target annotation instead of a load-balancer status: one API call per Service.
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": ns, "labels": labels,
                         "annotations": {HOSTNAME: hostname, TARGET: ip}},
            "spec": {"type": "ClusterIP", "ports": [{"port": 80}]}}


def create_services(cluster: KubeCluster, ns: str, names: range, *, prefix: str, labels: dict[str, str]) -> None:
    from kubernetes import client

    api = client.CoreV1Api(cluster.admin)

    def one(i: int) -> None:
        api.create_namespaced_service(ns, _service(f"{prefix}{i}", ns, f"{prefix}{i}.example.com",
                                                   f"10.{i // 65536 % 256}.{i // 256 % 256}.{i % 256}", labels))

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, names))


def address_records(route53: StrictRoute53Server, zone_id: str, prefix: str = "") -> set[str]:
    return {name for (name, rtype, _) in records(route53, zone_id) if rtype == "A" and name.startswith(prefix)}


def delete_all_services(cluster: KubeCluster, ns: str) -> None:
    """`kubectl delete services --all`: one DELETE of the collection (again if the apiserver, loaded by
    the other tests of a 2-core machine, times it out at 60 s with part of the collection deleted)."""
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    api = client.CoreV1Api(cluster.admin)
    for _ in range(5):
        try:
            api.delete_collection_namespaced_service(ns)
            return
        except ApiException as exc:
            if exc.status != 504:
                raise
    raise AssertionError("the apiserver kept timing out deleting the Services")


def service_count(cluster: KubeCluster, ns: str) -> int:
    from kubernetes import client

    return len(client.CoreV1Api(cluster.admin).list_namespaced_service(ns).items)


def events_about(cluster: KubeCluster, ns: str, name: str, reason: str) -> list[Any]:
    from kubernetes import client

    found = client.CoreV1Api(cluster.admin).list_namespaced_event(ns, field_selector=f"involvedObject.name={name}")
    return [e for e in found.items if e.reason == reason]


async def settle(route53: StrictRoute53Server, zone_id: str, quiet: float, limit: float) -> set[str]:
    """Wait until the zone's address records stopped changing for `quiet` seconds."""
    last = address_records(route53, zone_id)
    since = time.monotonic()
    deadline = since + limit
    while time.monotonic() < deadline:
        await asyncio.sleep(0.5)
        now = address_records(route53, zone_id)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return now
    raise AssertionError(f"records still changing after {limit}s")


# -- item 1 (a): a mass deletion is held ------------------------------------------------------------


async def test_deleting_1000_services_at_once_deletes_at_most_the_fraction(
        kube_cluster: KubeCluster, kube_namespace: str, controller_kubeconfig: Path,  # noqa: F811
        route53: StrictRoute53Server, zone: str, pod_identity: str, caplog: pytest.LogCaptureFixture) -> None:
    ns, n, fraction = kube_namespace, 1000, 0.5
    await asyncio.to_thread(create_services, kube_cluster, ns, range(n), prefix="s", labels={})
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    task = await start(settings_for(controller_kubeconfig, route53, ns, sources=("service",), interval=5.0,
                                    max_delete_fraction=fraction, metrics_address=f"127.0.0.1:{port}"))
    try:
        await eventually(lambda: len(address_records(route53, zone)) == n, timeout=90, what=f"{n} records")
        started = time.monotonic()
        await asyncio.to_thread(delete_all_services, kube_cluster, ns)
        await eventually(lambda: service_count(kube_cluster, ns) == 0, timeout=30, what="services deleted")
        # At least three full passes (--interval=5s) after the last change: held deletes stay held.
        remaining = await settle(route53, zone, quiet=16.0, limit=90.0)
        deleted = n - len(remaining)
        print(f"\n[guard a] {n} Services deleted at once: {deleted} of {n} records deleted, "
              f"{len(remaining)} held (--max-delete-fraction={fraction}), settled after "
              f"{time.monotonic() - started:.1f}s")
        assert deleted <= fraction * n, deleted
        # The held records keep their ownership TXT: nothing half-deleted.
        txts = {name for (name, rtype, _) in records(route53, zone) if rtype == "TXT"}
        assert {f"a-{name}" for name in remaining} <= txts

        # The trip is visible: /readyz's body, the metrics, a log line and an Event on the Pod.
        status, body = await aget(base + "/readyz")  # served on this loop: not from it
        assert status == 200 and "deletion guard" in body and "example.com" in body, body
        assert f"{n - deleted} deletions held" in body, body
        samples = await ascrape(base)
        assert total(samples, "zonekeeper_deletion_guard_engaged", zone="example.com") == 1
        assert total(samples, "zonekeeper_deletion_guard_trips_total", zone="example.com") == 1
        assert total(samples, "zonekeeper_deletion_guard_held_deletions", zone="example.com") == n - deleted
        tripped = [r for r in caplog.records if "deletion guard tripped" in r.getMessage()]
        assert len(tripped) == 1, [r.getMessage() for r in tripped]
        events = await eventually(lambda: events_about(kube_cluster, "zonekeeper", pod_identity,
                                                       "DeletionGuardTripped"), what="an Event on the Pod")
        assert events[0].type == "Warning" and "example.com" in events[0].message
        assert "docs/troubleshooting.md" in events[0].message

        # Creates go on while deletes are held.
        await asyncio.to_thread(create_services, kube_cluster, ns, range(n, n + 1), prefix="s", labels={})
        await eventually(lambda: f"s{n}.example.com" in address_records(route53, zone), what="a create while held")
        assert len(address_records(route53, zone)) == len(remaining) + 1
    finally:
        await stop(task)
    assert all(b["Status"] == "accepted" for b in route53.change_batches), route53.errors


# -- item 1 (b): normal decommissions go through -----------------------------------------------------


async def test_slow_decommission_goes_through_unhindered(
        kube_cluster: KubeCluster, kube_namespace: str, controller_kubeconfig: Path,  # noqa: F811
        route53: StrictRoute53Server, zone: str) -> None:
    """One Service deleted every second for a minute: 60 of 100 records in all, more than
    --max-delete-fraction of the zone, but never more than 10 within the (shortened) window."""
    from kubernetes import client

    ns, n, gone, window = kube_namespace, 100, 60, 10.0
    await asyncio.to_thread(create_services, kube_cluster, ns, range(n), prefix="d", labels={})
    task = await start(settings_for(controller_kubeconfig, route53, ns, sources=("service",), interval=5.0,
                                    max_delete_fraction=0.5, max_delete_window=window))
    api = client.CoreV1Api(kube_cluster.admin)
    try:
        await eventually(lambda: len(address_records(route53, zone)) == n, timeout=60, what=f"{n} records")
        started = time.monotonic()
        lags: list[float] = []
        for i in range(gone):
            await asyncio.to_thread(api.delete_namespaced_service, f"d{i}", ns)
            deleted_at = time.monotonic()
            await eventually(lambda i=i: f"d{i}.example.com" not in address_records(route53, zone),  # type: ignore[misc]
                             timeout=10, what=f"d{i} deleted")
            lags.append(time.monotonic() - deleted_at)
            await asyncio.sleep(max(0.0, started + (i + 1) * 1.0 - time.monotonic()))
        remaining = await settle(route53, zone, quiet=6.0, limit=30.0)
        print(f"\n[guard b1] one Service a second for {time.monotonic() - started:.0f}s: {n - len(remaining)} of {n} "
              f"records deleted (window {window:.0f}s); slowest deletion took {max(lags):.2f}s")
        assert remaining == {f"d{i}.example.com" for i in range(gone, n)}
    finally:
        await stop(task)


async def test_deleting_a_namespace_of_5_percent_goes_through(
        kube_cluster: KubeCluster, controller_kubeconfig: Path,  # noqa: F811
        route53: StrictRoute53Server, zone: str) -> None:
    """950 Services in one namespace, 50 in another; every Service of the second goes at once (what
    the namespace controller does when the namespace is deleted)."""
    run = uuid.uuid4().hex[:8]
    stay, leave = f"guard-stay-{run}", f"guard-leave-{run}"
    labels = {"guard-test": run}
    for ns in (stay, leave):
        kube_cluster.ensure_namespace(ns)
    await asyncio.to_thread(create_services, kube_cluster, stay, range(950), prefix="k", labels=labels)
    await asyncio.to_thread(create_services, kube_cluster, leave, range(950, 1000), prefix="k", labels=labels)
    task = await start(settings_for(controller_kubeconfig, route53, "", sources=("service",), interval=5.0,
                                    max_delete_fraction=0.5, label_filter=f"guard-test={run}"))
    try:
        await eventually(lambda: len(address_records(route53, zone)) == 1000, timeout=90, what="1000 records")
        started = time.monotonic()
        await asyncio.to_thread(delete_all_services, kube_cluster, leave)
        await eventually(lambda: len(address_records(route53, zone)) == 950, timeout=30, what="50 records deleted")
        took = time.monotonic() - started
        remaining = await settle(route53, zone, quiet=6.0, limit=30.0)
        print(f"\n[guard b2] a namespace of 50 of 1000 Services deleted: {1000 - len(remaining)} records deleted "
              f"in {took:.1f}s")
        assert remaining == {f"k{i}.example.com" for i in range(950)}
    finally:
        await stop(task)


# -- item 12: a load balancer being re-provisioned ---------------------------------------------------


def set_load_balancer(cluster: KubeCluster, ns: str, name: str, hostname: str) -> None:
    from kubernetes import client

    # A patch, not read-then-replace: the controller writes its DNSRecordsProgrammed condition on the
    # same status, and a replace racing with it fails with 409 Conflict.
    ingress = [{"hostname": hostname}] if hostname else []
    client.CoreV1Api(cluster.admin).patch_namespaced_service_status(
        name, ns, {"status": {"loadBalancer": {"ingress": ingress}}})


async def test_load_balancer_reprovisioning_keeps_the_record(
        kube_cluster: KubeCluster, kube_namespace: str, controller_kubeconfig: Path,  # noqa: F811
        route53: StrictRoute53Server, zone: str) -> None:
    ns, gap = kube_namespace, 60.0
    await asyncio.to_thread(kube_cluster.apply, lb_service("web", ns, "web.example.com", lb=NLB1))
    task = await start(settings_for(controller_kubeconfig, route53, ns, sources=("service",)))
    key = ("web.example.com", "A", "")
    try:
        await eventually(lambda: value_of(records(route53, zone).get(key, {})) == NLB1, what="alias to the old LB")
        t0 = time.monotonic()
        await asyncio.to_thread(set_load_balancer, kube_cluster, ns, "web", "")  # old LB gone
        samples: list[tuple[float, str]] = []
        new_set_at: float | None = None
        while True:
            rr = records(route53, zone).get(key)
            now = time.monotonic() - t0
            samples.append((now, value_of(rr) if rr else "<absent>"))
            if new_set_at is None and now >= gap:
                await asyncio.to_thread(set_load_balancer, kube_cluster, ns, "web", NLB2)  # new LB ready
                new_set_at = time.monotonic() - t0
            if samples[-1][1] == NLB2 or now > gap + 30:
                break
            await asyncio.sleep(0.2)
        switched = next((t for t, v in samples if v == NLB2), None)
        values = [v for _, v in samples]
        print(f"\n[lb grace] status cleared at 0.0s; record kept on the old alias ({values.count(NLB1)} polls, "
              f"every 0.2s); new hostname set at {new_set_at:.1f}s; record on the new alias at "
              f"{switched if switched is None else f'{switched:.1f}s'}; absent in {values.count('<absent>')} polls")
        assert "<absent>" not in values, [s for s in samples if s[1] == "<absent>"][:3]
        assert switched is not None and new_set_at is not None and switched - new_set_at < 5.0
        assert set(values) == {NLB1, NLB2} and values.index(NLB2) == len(values) - 1
        # The AAAA alias and the ownership TXT rode along; nothing was deleted and re-created.
        assert value_of(records(route53, zone)[("web.example.com", "AAAA", "")]) == NLB2
        # Every batch that deleted a web.example.com address record created its replacement with it.
        for batch in route53.accepted_change_batches:
            changed = [(c["Action"], c["ResourceRecordSet"]["Type"]) for c in batch["Changes"] or []
                       if c["ResourceRecordSet"]["Name"].rstrip(".") == "web.example.com"]
            for rtype in ("A", "AAAA"):
                assert (("DELETE", rtype) in changed) <= (("CREATE", rtype) in changed), batch
        # The hold was reported on the Service.
        held = await eventually(lambda: events_about(kube_cluster, ns, "web", "TargetsPending"),
                                what="a TargetsPending Event")
        assert "web.example.com" in held[0].message and "--load-balancer-grace-period" in held[0].message

        # Deleting the Service outright still removes its records at once.
        from tests.integration.test_live_controller import _delete

        deleted_at = time.monotonic()
        await asyncio.to_thread(_delete, kube_cluster, "v1", "Service", ns, "web")
        await eventually(lambda: key not in records(route53, zone), timeout=5.0, what="records deleted at once")
        print(f"[lb grace] Service deleted: records gone after {time.monotonic() - deleted_at:.2f}s")
    finally:
        await stop(task)


async def test_load_balancer_that_never_comes_back_loses_its_records_after_the_grace_period(
        kube_cluster: KubeCluster, kube_namespace: str, controller_kubeconfig: Path,  # noqa: F811
        route53: StrictRoute53Server, zone: str) -> None:
    ns, grace = kube_namespace, 4.0
    await asyncio.to_thread(kube_cluster.apply, lb_service("web", ns, "web.example.com", lb=NLB1))
    task = await start(settings_for(controller_kubeconfig, route53, ns, sources=("service",),
                                    load_balancer_grace_period=grace))
    key = ("web.example.com", "A", "")
    try:
        await eventually(lambda: key in records(route53, zone), what="alias to the old LB")
        t0 = time.monotonic()
        await asyncio.to_thread(set_load_balancer, kube_cluster, ns, "web", "")
        await asyncio.sleep(grace - 1.0)
        assert value_of(records(route53, zone).get(key, {})) == NLB1  # still held
        await eventually(lambda: not any(k[0].endswith("web.example.com") for k in records(route53, zone)),
                         timeout=grace + 5.0, what="records deleted after the grace period")
        took = time.monotonic() - t0
        print(f"\n[lb grace] no new LB: records deleted {took:.1f}s after the status emptied (grace {grace:.0f}s)")
        assert took >= grace - 0.5
    finally:
        await stop(task)
