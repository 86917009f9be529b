"""Events and DNSEndpoint status against a real kube-apiserver: what the apiserver accepts and
stores, dedupe as seen from `kubectl get events`, missing RBAC, and status subresource writes."""

# The fixtures are imported by name, so test parameters of the same name "redefine" them.
# ruff: noqa: F811

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client as k8s

from tests.support.kube import KubeCluster
from tests.support.kube_fixtures import kube_cluster, kube_namespace  # noqa: F401
from zonekeeper.changes import Change
from zonekeeper.endpoint import Endpoint, Problem
from zonekeeper.kube.client import KubeClient
from zonekeeper.kube.events import EventRecorder
from zonekeeper.kube.objectref import ObjectRef
from zonekeeper.kube.status import DNSEndpointStatus
from zonekeeper.sources import objects as kinds

pytestmark = [pytest.mark.kube, pytest.mark.integration]

GROUP, VERSION, PLURAL = "externaldns.k8s.io", "v1alpha1", "dnsendpoints"


@pytest.fixture
async def kube(kube_cluster: KubeCluster) -> AsyncIterator[KubeClient]:
    kc = await KubeClient.connect(kubeconfig=str(kube_cluster.admin_kubeconfig), qps=0)
    try:
        yield kc
    finally:
        await kc.close()


def count_requests(kc: KubeClient) -> list[tuple[str, str]]:
    """Record every request `kc` makes from now on."""
    calls: list[tuple[str, str]] = []
    original = kc._request

    async def counting(method: str, path: str, **kwargs: Any) -> bytes:
        calls.append((method, path))
        data: bytes = await original(method, path, **kwargs)
        return data

    kc._request = counting  # type: ignore[method-assign,unused-ignore]
    return calls


def events_for(cluster: KubeCluster, namespace: str, name: str) -> list[Any]:
    core = k8s.CoreV1Api(cluster.admin)
    return list(core.list_namespaced_event(namespace, field_selector=f"involvedObject.name={name}").items)


def dnsendpoint(cluster: KubeCluster, namespace: str, name: str) -> dict[str, Any]:
    (obj,) = cluster.apply({
        "apiVersion": f"{GROUP}/{VERSION}", "kind": "DNSEndpoint",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"endpoints": [{"dnsName": f"{name}.example.org", "recordType": "A", "targets": ["192.0.2.1"]}]},
    })
    return obj


def get_dnsendpoint(cluster: KubeCluster, namespace: str, name: str) -> dict[str, Any]:
    obj: Any = k8s.CustomObjectsApi(cluster.admin).get_namespaced_custom_object(
        GROUP, VERSION, namespace, PLURAL, name)
    return dict(obj)


# --------------------------------------------------------------------------------------------------
# Events


async def test_service_event_names_the_service(kube_cluster: KubeCluster, kube_namespace: str,
                                               kube: KubeClient) -> None:
    (svc,) = kube_cluster.apply({
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": kube_namespace},
        "spec": {"type": "LoadBalancer", "ports": [{"port": 80}]},
    })
    recorder = EventRecorder(kube, host="test-host")
    ref = ObjectRef.from_object(svc)
    recorder.record_change(ref, Change.create(Endpoint.new("web.example.com", "A", ["192.0.2.10"])), "example.com")
    await recorder.flush()
    assert recorder.stats.sent == 1

    (event,) = events_for(kube_cluster, kube_namespace, "web")
    involved = event.involved_object
    assert (involved.api_version, involved.kind, involved.namespace, involved.name, involved.uid) == \
        ("v1", "Service", kube_namespace, "web", svc["metadata"]["uid"])
    assert (event.type, event.reason) == ("Normal", "RecordCreated")
    assert event.message == "created A web.example.com -> 192.0.2.10 in zone example.com"
    assert (event.source.component, event.source.host) == ("zonekeeper", "test-host")
    assert (event.reporting_component, event.reporting_instance) == ("zonekeeper", "test-host")
    assert event.count == 1 and event.first_timestamp is not None and event.last_timestamp is not None


async def test_dnsendpoint_warning_is_deduplicated(kube_cluster: KubeCluster, kube_namespace: str,
                                                   kube: KubeClient) -> None:
    obj = dnsendpoint(kube_cluster, kube_namespace, "www")
    cache = {(kinds.DNSENDPOINTS, kube_namespace, "www"): obj}
    ref = ObjectRef.from_resource_label(f"crd/{kube_namespace}/www", lambda *key: cache.get(key))
    assert ref is not None

    recorder = EventRecorder(kube, host="test-host")
    problem = Problem(f"crd/{kube_namespace}/www", "InvalidHostname", "spec.endpoints[0]: invalid hostname 'a..b'")
    for _ in range(50):
        recorder.record(ref, "Warning", problem.reason, problem.message)
    await recorder.flush()

    (event,) = events_for(kube_cluster, kube_namespace, "www")
    involved = event.involved_object
    assert (involved.api_version, involved.kind, involved.namespace, involved.uid) == \
        (f"{GROUP}/{VERSION}", "DNSEndpoint", kube_namespace, obj["metadata"]["uid"])
    assert (event.type, event.reason, event.message) == \
        ("Warning", "InvalidHostname", "spec.endpoints[0]: invalid hostname 'a..b'")
    assert recorder.stats.deduplicated == 49

    # A different message for the same reason is news.
    recorder.record(ref, "Warning", problem.reason, "spec.endpoints[0]: invalid hostname 'c'")
    await recorder.flush()
    assert len(events_for(kube_cluster, kube_namespace, "www")) == 2


async def test_long_messages_are_accepted(kube_cluster: KubeCluster, kube_namespace: str,
                                          kube: KubeClient) -> None:
    (svc,) = kube_cluster.apply({
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "long", "namespace": kube_namespace},
        "spec": {"ports": [{"port": 80}]},
    })
    recorder = EventRecorder(kube)
    recorder.record(ObjectRef.from_object(svc), "Warning", "InvalidTarget", "ü" * 3000)
    await recorder.flush()
    assert recorder.stats.sent == 1 and recorder.stats.failed == 0
    (event,) = events_for(kube_cluster, kube_namespace, "long")
    assert len(event.message.encode()) <= 1024


async def test_missing_rbac_is_logged_clearly_and_never_raised(
    kube_cluster: KubeCluster, kube_namespace: str, caplog: pytest.LogCaptureFixture
) -> None:
    kubeconfig: Path = kube_cluster.kubeconfig_for_serviceaccount(kube_namespace, "no-events")
    kc = await KubeClient.connect(kubeconfig=str(kubeconfig), qps=0)
    try:
        recorder = EventRecorder(kc)
        ref = ObjectRef("v1", "Service", kube_namespace, "web")
        with caplog.at_level(logging.WARNING):
            recorder.record(ref, "Warning", "InvalidAnnotation", "one")
            recorder.record(ref, "Warning", "InvalidAnnotation", "two")
            await recorder.flush()
            writer = DNSEndpointStatus(kc)
            assert not await writer.set_programmed(kube_namespace, "www", 1, True, "Programmed", "ok")
    finally:
        await kc.close()

    assert recorder.stats.failed == 2 and recorder.stats.sent == 0
    events_logs = [r.getMessage() for r in caplog.records if r.name == "zonekeeper.kube.events"]
    assert len(events_logs) == 1, events_logs
    assert "permission denied to create events" in events_logs[0]
    assert f"namespace {kube_namespace}" in events_logs[0]
    status_logs = [r.getMessage() for r in caplog.records if r.name == "zonekeeper.kube.status"]
    assert len(status_logs) == 1 and "dnsendpoints/status" in status_logs[0]
    assert events_for(kube_cluster, kube_namespace, "web") == []


# --------------------------------------------------------------------------------------------------
# DNSEndpoint status


async def test_set_programmed_writes_status_through_the_subresource(
    kube_cluster: KubeCluster, kube_namespace: str, kube: KubeClient
) -> None:
    obj = dnsendpoint(kube_cluster, kube_namespace, "www")
    generation = obj["metadata"]["generation"]
    clock = [dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)]
    writer = DNSEndpointStatus(kube, now=lambda: clock[0])

    # No cached status: the writer reads the object, then patches.
    assert await writer.set_programmed(kube_namespace, "www", generation, True, "Programmed", "1 record in sync")
    stored = get_dnsendpoint(kube_cluster, kube_namespace, "www")
    assert stored["metadata"]["generation"] == generation, "a status write is no spec change"
    status = stored["status"]
    assert status["observedGeneration"] == generation
    assert [(c["type"], c["status"], c["reason"], c["message"], c["observedGeneration"], c["lastTransitionTime"])
            for c in status["conditions"]] == [
        (t, "True", "Programmed", "1 record in sync", generation, "2026-03-01T12:00:00Z")
        for t in ("Programmed", "Ready")]

    # The same outcome again, with the status the informer cache has: no request at all.
    calls = count_requests(kube)
    assert not await writer.set_programmed(kube_namespace, "www", generation, True, "Programmed",
                                           "1 record in sync", current_status=status)
    assert calls == []

    # A new generation that Route 53 refuses: observedGeneration stays at the programmed one.
    stored["spec"]["endpoints"][0]["targets"] = ["192.0.2.2"]
    replaced: Any = k8s.CustomObjectsApi(kube_cluster.admin).replace_namespaced_custom_object(
        GROUP, VERSION, kube_namespace, PLURAL, "www", stored)
    new_generation = replaced["metadata"]["generation"]
    assert new_generation == generation + 1
    clock[0] += dt.timedelta(minutes=5)
    assert await writer.set_programmed(kube_namespace, "www", new_generation, False, "ChangeRejected",
                                       "InvalidChangeBatch", current_status=replaced["status"])
    assert calls == [("PATCH", f"/apis/{GROUP}/{VERSION}/namespaces/{kube_namespace}/{PLURAL}/www/status")]
    status = get_dnsendpoint(kube_cluster, kube_namespace, "www")["status"]
    assert status["observedGeneration"] == generation
    assert {(c["status"], c["reason"], c["observedGeneration"], c["lastTransitionTime"])
            for c in status["conditions"]} == {("False", "ChangeRejected", new_generation, "2026-03-01T12:05:00Z")}


async def test_set_programmed_on_a_deleted_object_is_quiet(kube_namespace: str, kube: KubeClient) -> None:
    writer = DNSEndpointStatus(kube)
    assert not await writer.set_programmed(kube_namespace, "gone", 1, True, "Programmed", "ok")
    assert not await writer.set_programmed(kube_namespace, "gone", 1, True, "Programmed", "ok", current_status={})
