"""EventRecorder and DNSEndpoint status logic against a fake KubeClient: dedupe window, LRU bound,
queue overflow, truncation, failure handling; status transitions and no-op detection."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import threading
from collections.abc import Mapping
from typing import Any

import pytest

from zonekeeper.changes import Change
from zonekeeper.endpoint import Endpoint
from zonekeeper.kube.client import KubeError, Resource
from zonekeeper.kube.events import EventRecorder
from zonekeeper.kube.eventtext import (
    CHANGE_REJECTED,
    EVENTS_EMIT_CHOICES,
    MESSAGE_LIMIT,
    RECORD_CREATED,
    RECORD_DELETED,
    RECORD_UPDATED,
    EventText,
    change_event,
    truncate_bytes,
)
from zonekeeper.kube.objectref import ObjectRef
from zonekeeper.kube.status import DNSEndpointStatus, already_says, desired_status
from zonekeeper.sources import objects as kinds

WEB = ObjectRef("v1", "Service", "shop", "web", uid="uid-web")
NOW = dt.datetime(2026, 3, 1, 12, 0, 0, tzinfo=dt.UTC)


class FakeClock:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


class FakeClient:
    """Captures requests; `errors` are raised, in order, by the next create/patch calls."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, str | None, str | None, dict[str, Any]]] = []
        self.errors: list[KubeError] = []
        self.objects: dict[tuple[str | None, str], dict[str, Any]] = {}

    @property
    def bodies(self) -> list[dict[str, Any]]:
        return [r[4] for r in self.requests if r[0] == "create"]

    def _maybe_fail(self) -> None:
        if self.errors:
            raise self.errors.pop(0)

    async def create(self, resource: Resource, namespace: str | None, body: Mapping[str, Any]) -> dict[str, Any]:
        self.requests.append(("create", str(resource), namespace, None, dict(body)))
        self._maybe_fail()
        return dict(body)

    async def get(self, resource: Resource, namespace: str | None, name: str) -> dict[str, Any] | None:
        self.requests.append(("get", str(resource), namespace, name, {}))
        return self.objects.get((namespace, name))

    async def patch(self, resource: Resource, namespace: str | None, name: str, body: Mapping[str, Any], *,
                    subresource: str | None = None) -> dict[str, Any]:
        self.requests.append((f"patch/{subresource}", str(resource), namespace, name, dict(body)))
        self._maybe_fail()
        return dict(body)


async def no_sleep(_: float) -> None:
    return None


def recorder(client: FakeClient, clock: FakeClock | None = None, **kwargs: Any) -> EventRecorder:
    return EventRecorder(client, host="node-1", clock=clock or FakeClock(), now=lambda: NOW,  # type: ignore[arg-type,unused-ignore]
                         sleep=no_sleep, **kwargs)


# --------------------------------------------------------------------------------------------------
# ObjectRef


def test_ref_from_object_and_involved_object() -> None:
    obj = {"apiVersion": "externaldns.k8s.io/v1alpha1", "kind": "DNSEndpoint",
           "metadata": {"name": "www", "namespace": "ns", "uid": "u1", "resourceVersion": "42"}}
    ref = ObjectRef.from_object(obj)
    assert ref == ObjectRef("externaldns.k8s.io/v1alpha1", "DNSEndpoint", "ns", "www", "u1")
    assert ref.involved_object() == {"apiVersion": "externaldns.k8s.io/v1alpha1", "kind": "DNSEndpoint",
                                     "namespace": "ns", "name": "www", "uid": "u1", "resourceVersion": "42"}
    assert ObjectRef("v1", "Node", "", "n1").involved_object() == {"apiVersion": "v1", "kind": "Node", "name": "n1"}


@pytest.mark.parametrize(("label", "kind", "api_version", "obj_kind"), [
    ("service/ns/web", kinds.SERVICES, "v1", "Service"),
    ("ingress/ns/web", kinds.INGRESSES, "networking.k8s.io/v1", "Ingress"),
    ("gateway/ns/web", kinds.ISTIO_GATEWAYS, "networking.istio.io/v1", "Gateway"),
    ("virtualservice/ns/web", kinds.ISTIO_VIRTUALSERVICES, "networking.istio.io/v1", "VirtualService"),
    ("crd/ns/web", kinds.DNSENDPOINTS, "externaldns.k8s.io/v1alpha1", "DNSEndpoint"),
    ("httproute/ns/web", kinds.HTTPROUTES, "gateway.networking.k8s.io/v1", "HTTPRoute"),
])
def test_ref_from_resource_label(label: str, kind: str, api_version: str, obj_kind: str) -> None:
    asked: list[tuple[str, str, str]] = []

    def lookup(k: str, ns: str, name: str) -> dict[str, Any] | None:
        asked.append((k, ns, name))
        return {"apiVersion": api_version, "kind": obj_kind,
                "metadata": {"name": name, "namespace": ns, "uid": "the-uid", "resourceVersion": "7"}}

    ref = ObjectRef.from_resource_label(label, lookup)
    assert asked == [(kind, "ns", "web")]
    assert ref == ObjectRef(api_version, obj_kind, "ns", "web", "the-uid")
    # Not in the cache (deleted since): the resource table still names it, without a uid.
    assert ObjectRef.from_resource_label(label, lambda *_: None) == ObjectRef(api_version, obj_kind, "ns", "web")


def test_ref_from_resource_label_rejects_non_objects() -> None:
    for label in ("", "web.example.com A", "secret/ns/x", "service/ns", "service//x", "service/a/b/c",
                  "node/ns/n1", "node//n1"):
        assert ObjectRef.from_resource_label(label, lambda *_: None) is None


def test_ref_from_a_cluster_scoped_resource_label() -> None:
    """external-dns labels a Node's records `node/<name>`: no namespace part."""
    assert ObjectRef.from_resource_label("node/n1", lambda *_: None) == ObjectRef("v1", "Node", "", "n1")


def test_ref_from_resource_label_survives_a_broken_cache() -> None:
    def broken(*_: str) -> dict[str, Any]:
        raise RuntimeError("boom")

    assert ObjectRef.from_resource_label("service/ns/web", broken) == ObjectRef("v1", "Service", "ns", "web")


# --------------------------------------------------------------------------------------------------
# The Event body


async def test_event_body_like_client_go() -> None:
    client = FakeClient()
    rec = recorder(client)
    ref = ObjectRef("v1", "Service", "shop", "web", uid="u1", resource_version="99")
    rec.record(ref, "Warning", "InvalidAnnotation", "annotation x: bad")
    assert client.requests == [], "record() only queues"
    await rec.flush()
    ((verb, resource, namespace, _, body),) = client.requests
    assert (verb, resource, namespace) == ("create", "events", "shop")
    name = body["metadata"].pop("name")
    assert name.startswith("web.") and len(name.split(".")[1]) == 16
    assert body == {
        "apiVersion": "v1", "kind": "Event",
        "metadata": {"namespace": "shop"},
        "involvedObject": {"apiVersion": "v1", "kind": "Service", "namespace": "shop", "name": "web",
                           "uid": "u1", "resourceVersion": "99"},
        "reason": "InvalidAnnotation", "message": "annotation x: bad", "type": "Warning",
        "source": {"component": "zonekeeper", "host": "node-1"},
        "reportingComponent": "zonekeeper", "reportingInstance": "node-1",
        "firstTimestamp": "2026-03-01T12:00:00Z", "lastTimestamp": "2026-03-01T12:00:00Z", "count": 1,
    }
    assert rec.stats.sent == 1


async def test_cluster_scoped_objects_get_events_in_default() -> None:
    client = FakeClient()
    rec = recorder(client)
    rec.record(ObjectRef("v1", "Node", "", "n1"), "Normal", "X", "y")
    await rec.flush()
    assert client.requests[0][2] == "default"
    assert "namespace" not in client.bodies[0]["involvedObject"]


async def test_long_names_stay_valid_and_unique() -> None:
    client = FakeClient()
    rec = recorder(client)
    long_name = "a" * 250
    rec.record(ObjectRef("v1", "Service", "ns", long_name), "Normal", "R", "one")
    rec.record(ObjectRef("v1", "Service", "ns", long_name), "Normal", "R", "two")
    await rec.flush()
    names = [b["metadata"]["name"] for b in client.bodies]
    assert all(len(n) <= 253 for n in names)
    assert len(set(names)) == 2


def test_truncate_bytes_counts_bytes_and_never_splits_characters() -> None:
    assert truncate_bytes("short", 10) == "short"
    cut = truncate_bytes("é" * 600, MESSAGE_LIMIT)  # 1200 bytes
    assert len(cut.encode()) <= MESSAGE_LIMIT and cut.endswith("...")
    assert cut.rstrip(".") == "é" * len(cut.rstrip("."))


async def test_message_and_reason_are_truncated_to_the_apiserver_limits() -> None:
    client = FakeClient()
    rec = recorder(client)
    rec.record(WEB, "Warning", "R" * 300, "x" * 5000)
    await rec.flush()
    body = client.bodies[0]
    assert len(body["message"].encode()) == MESSAGE_LIMIT and body["message"].endswith("...")
    assert len(body["reason"]) == 128


# --------------------------------------------------------------------------------------------------
# Dedupe


async def test_identical_events_are_sent_once_per_window() -> None:
    client, clock = FakeClient(), FakeClock()
    rec = recorder(client, clock, dedupe_seconds=3600)
    for _ in range(50):
        rec.record(WEB, "Warning", "InvalidHostname", "bad host")
    await rec.flush()
    assert len(client.bodies) == 1
    assert rec.stats.deduplicated == 49

    clock.t += 3599
    rec.record(WEB, "Warning", "InvalidHostname", "bad host")
    await rec.flush()
    assert len(client.bodies) == 1, "still inside the window"

    clock.t += 2
    rec.record(WEB, "Warning", "InvalidHostname", "bad host")
    await rec.flush()
    assert len(client.bodies) == 2, "the window counts from the last emission, not the last occurrence"

    clock.t += 10
    rec.record(WEB, "Warning", "InvalidHostname", "bad host")
    await rec.flush()
    assert len(client.bodies) == 2, "a new window started with the second emission"


async def test_changed_message_type_or_object_is_a_new_event() -> None:
    client = FakeClient()
    rec = recorder(client)
    rec.record(WEB, "Warning", "InvalidHostname", "bad host a")
    rec.record(WEB, "Warning", "InvalidHostname", "bad host b")  # same reason, new message
    rec.record(WEB, "Normal", "InvalidHostname", "bad host b")
    rec.record(ObjectRef("v1", "Service", "shop", "api", uid="uid-api"), "Warning", "InvalidHostname", "bad host a")
    rec.record(WEB, "Warning", "InvalidHostname", "bad host a")  # a repeat
    await rec.flush()
    assert [(b["involvedObject"]["name"], b["type"], b["message"]) for b in client.bodies] == [
        ("web", "Warning", "bad host a"), ("web", "Warning", "bad host b"), ("web", "Normal", "bad host b"),
        ("api", "Warning", "bad host a")]


async def test_dedupe_keys_on_name_when_there_is_no_uid() -> None:
    client = FakeClient()
    rec = recorder(client)
    for _ in range(3):
        rec.record(ObjectRef("v1", "Service", "ns", "web"), "Warning", "R", "m")
    rec.record(ObjectRef("v1", "Service", "other", "web"), "Warning", "R", "m")
    await rec.flush()
    assert len(client.bodies) == 2


async def test_dedupe_memory_is_a_bounded_lru() -> None:
    client = FakeClient()
    rec = recorder(client, max_dedupe_keys=3)
    refs = [ObjectRef("v1", "Service", "ns", f"s{i}") for i in range(4)]
    for ref in refs[:3]:
        rec.record(ref, "Warning", "R", "m")
    rec.record(refs[0], "Warning", "R", "m")  # deduplicated, and now most recently used
    rec.record(refs[3], "Warning", "R", "m")  # evicts s1, the least recently used
    assert len(rec._emitted) == 3
    rec.record(refs[0], "Warning", "R", "m")  # still remembered
    rec.record(refs[1], "Warning", "R", "m")  # forgotten: sent again
    await rec.flush()
    assert [b["involvedObject"]["name"] for b in client.bodies] == ["s0", "s1", "s2", "s3", "s1"]


# --------------------------------------------------------------------------------------------------
# Queue bound


async def test_queue_overflow_drops_the_oldest_and_counts(caplog: pytest.LogCaptureFixture) -> None:
    client = FakeClient()
    rec = recorder(client, max_pending=3)
    with caplog.at_level(logging.DEBUG, logger="zonekeeper.kube.events"):
        for i in range(5):
            rec.record(WEB, "Warning", "R", f"m{i}")
    assert rec.pending == 3 and rec.stats.dropped_overflow == 2
    assert sum("event queue full" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING) == 1
    await rec.flush()
    assert [b["message"] for b in client.bodies] == ["m2", "m3", "m4"]
    # A dropped event was never sent, so it is not deduplicated when it recurs.
    rec.record(WEB, "Warning", "R", "m0")
    await rec.flush()
    assert client.bodies[-1]["message"] == "m0"


# --------------------------------------------------------------------------------------------------
# Failures


async def test_forbidden_is_logged_once_clearly_and_never_raised(caplog: pytest.LogCaptureFixture) -> None:
    client = FakeClient()
    rec = recorder(client)
    client.errors = [KubeError(403, "Forbidden", 'events is forbidden: User "x" cannot create resource "events"')
                     for _ in range(3)]
    with caplog.at_level(logging.DEBUG, logger="zonekeeper.kube.events"):
        for i in range(3):
            rec.record(WEB, "Warning", "R", f"m{i}")
        await rec.flush()
    assert len(client.requests) == 3, "a 403 is not retried"
    errors = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(errors) == 1
    assert "create events" in errors[0].getMessage() or "`create`" in errors[0].getMessage()
    assert 'resources: ["events"]' in errors[0].getMessage()
    assert rec.stats.failed == 3 and rec.stats.sent == 0
    # Permanent failures keep their dedupe entry: no request storm on the next pass.
    rec.record(WEB, "Warning", "R", "m0")
    await rec.flush()
    assert len(client.requests) == 3


async def test_terminating_namespace_is_not_reported_as_missing_rbac(caplog: pytest.LogCaptureFixture) -> None:
    client = FakeClient()
    rec = recorder(client)
    client.errors = [KubeError(403, "Forbidden", "unable to create new content in namespace shop because it "
                                                 "is being terminated")]
    with caplog.at_level(logging.DEBUG, logger="zonekeeper.kube.events"):
        rec.record(WEB, "Normal", RECORD_DELETED, "deleted")
        await rec.flush()
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


async def test_transient_failures_are_retried_a_few_times_then_dropped(caplog: pytest.LogCaptureFixture) -> None:
    client = FakeClient()
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    rec = EventRecorder(client, host="h", clock=FakeClock(), sleep=sleep, max_attempts=3)  # type: ignore[arg-type,unused-ignore]
    client.errors = [KubeError(503, "ServiceUnavailable", "etcd"), KubeError(0, "Unreachable", "refused")]
    rec.record(WEB, "Normal", "R", "recovers")
    await rec.flush()
    assert len(client.requests) == 3 and rec.stats.sent == 1
    assert slept == [0.5, 1.0]

    client.errors = [KubeError(500, "InternalError", "x") for _ in range(3)]
    with caplog.at_level(logging.WARNING, logger="zonekeeper.kube.events"):
        rec.record(WEB, "Normal", "R", "gives up")
        await rec.flush()
    assert len(client.requests) == 6 and rec.stats.failed == 1
    assert len(caplog.records) == 1 and "after 3 attempt(s)" in caplog.records[0].getMessage()
    # Given up on a transient failure: the next pass may record it again.
    rec.record(WEB, "Normal", "R", "gives up")
    await rec.flush()
    assert len(client.requests) == 7 and rec.stats.sent == 2


async def test_name_clash_gets_a_new_name() -> None:
    client = FakeClient()
    rec = recorder(client)
    client.errors = [KubeError(409, "AlreadyExists", "exists")]
    rec.record(WEB, "Normal", "R", "m")
    await rec.flush()
    first, second = (b["metadata"]["name"] for b in client.bodies)
    assert first != second and rec.stats.sent == 1


async def test_unexpected_errors_do_not_stop_the_sender() -> None:
    class Exploding(FakeClient):
        async def create(self, resource: Resource, namespace: str | None,
                         body: Mapping[str, Any]) -> dict[str, Any]:
            if body["message"] == "bad":
                raise ValueError("bug")
            return await super().create(resource, namespace, body)

    client = Exploding()
    rec = recorder(client)
    rec.record(WEB, "Normal", "R", "bad")
    rec.record(WEB, "Normal", "R", "good")
    await rec.flush()
    assert [b["message"] for b in client.bodies] == ["good"]


def test_record_never_raises() -> None:
    rec = recorder(FakeClient())
    rec.record(None, "Normal", "R", "m")  # type: ignore[arg-type,unused-ignore]
    rec.record(WEB, "Normal", None, "m")  # type: ignore[arg-type,unused-ignore]
    rec.record_change(WEB, Change.create(None), "z")  # type: ignore[arg-type,unused-ignore]


# --------------------------------------------------------------------------------------------------
# Background sending


async def test_run_sends_in_the_background_including_from_threads() -> None:
    client = FakeClient()
    rec = recorder(client)
    rec.record(WEB, "Normal", "R", "before run")
    task = asyncio.create_task(rec.run())
    try:
        for _ in range(100):
            await asyncio.sleep(0)
        assert [b["message"] for b in client.bodies] == ["before run"]

        rec.record(WEB, "Normal", "R", "from the loop")
        thread = threading.Thread(target=rec.record, args=(WEB, "Normal", "R", "from a thread"))
        thread.start()
        thread.join()
        for _ in range(200):
            if len(client.bodies) == 3:
                break
            await asyncio.sleep(0.01)
        assert sorted(b["message"] for b in client.bodies) == ["before run", "from a thread", "from the loop"]
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


# --------------------------------------------------------------------------------------------------
# Controller helpers


def a(name: str, *targets: str, setid: str = "") -> Endpoint:
    return Endpoint.new(name, "A", targets, set_identifier=setid)


async def test_record_change_messages() -> None:
    client = FakeClient()
    rec = recorder(client)
    rec.record_change(WEB, Change.create(a("web.example.com", "1.2.3.4")), "example.com")
    rec.record_change(WEB, Change.update(a("web.example.com", "1.2.3.4"), a("web.example.com", "1.2.3.5")),
                      "example.com")
    rec.record_change(WEB, Change.delete(a("web.example.com", "1.2.3.5", setid="eu")), "example.com")
    alias = Endpoint.new("api.example.com", "A", ["lb-1.elb.amazonaws.com"], provider_specific={"alias": "true"})
    rec.record_change(WEB, Change.create(alias), "example.com")
    await rec.flush()
    assert [(b["type"], b["reason"], b["message"]) for b in client.bodies] == [
        ("Normal", RECORD_CREATED, "created A web.example.com -> 1.2.3.4 in zone example.com"),
        ("Normal", RECORD_UPDATED, "updated A web.example.com -> 1.2.3.5 (was 1.2.3.4) in zone example.com"),
        ("Normal", RECORD_DELETED, "deleted A web.example.com [eu] -> 1.2.3.5 in zone example.com"),
        ("Normal", RECORD_CREATED, "created A api.example.com -> alias lb-1.elb.amazonaws.com in zone example.com"),
    ]


# --------------------------------------------------------------------------------------------------
# DNSEndpoint status


def test_desired_status_keeps_transition_time_unless_status_flips() -> None:
    first = desired_status(None, 3, True, "Programmed", "2 records", NOW)
    assert first == {"observedGeneration": 3, "conditions": [
        {"type": t, "status": "True", "observedGeneration": 3, "lastTransitionTime": "2026-03-01T12:00:00Z",
         "reason": "Programmed", "message": "2 records"} for t in ("Programmed", "Ready")]}
    later = NOW + dt.timedelta(hours=1)
    same = desired_status(first, 4, True, "Programmed", "3 records", later)
    assert {c["lastTransitionTime"] for c in same["conditions"]} == {"2026-03-01T12:00:00Z"}
    assert same["observedGeneration"] == 4
    flipped = desired_status(same, 5, False, "ChangeRejected", "no", later)
    assert {c["lastTransitionTime"] for c in flipped["conditions"]} == {"2026-03-01T13:00:00Z"}
    assert "observedGeneration" not in flipped, "only a programmed generation counts as observed"
    assert {c["observedGeneration"] for c in flipped["conditions"]} == {5}


def test_desired_status_keeps_other_conditions() -> None:
    current = {"conditions": [{"type": "Other", "status": "True"},
                              {"type": "Ready", "status": "False", "lastTransitionTime": "2025-01-01T00:00:00Z"}]}
    status = desired_status(current, 1, False, "Pending", "waiting", NOW)
    assert [c["type"] for c in status["conditions"]] == ["Other", "Ready", "Programmed"]
    assert status["conditions"][1]["lastTransitionTime"] == "2025-01-01T00:00:00Z"


def test_already_says() -> None:
    status = desired_status(None, 3, True, "Programmed", "ok", NOW)
    assert already_says(status, 3, True, "Programmed", "ok")
    assert not already_says(status, 4, True, "Programmed", "ok")
    assert not already_says(status, 3, True, "Programmed", "other")
    assert not already_says(status, 3, False, "Programmed", "ok")
    assert not already_says({"observedGeneration": 3}, 3, True, "Programmed", "ok")
    assert not already_says(None, 3, True, "Programmed", "ok")
    failed = desired_status(status, 4, False, "ChangeRejected", "no", NOW)
    # A failure leaves the last programmed generation in place.
    assert already_says({**status, **failed}, 4, False, "ChangeRejected", "no")


async def test_set_programmed_patches_the_status_subresource_and_skips_no_ops() -> None:
    client = FakeClient()
    writer = DNSEndpointStatus(client, now=lambda: NOW)  # type: ignore[arg-type,unused-ignore]
    assert await writer.set_programmed("ns", "www", 2, True, "Programmed", "ok", current_status={})
    ((verb, resource, namespace, name, body),) = client.requests
    assert (verb, resource, namespace, name) == ("patch/status", "dnsendpoints.externaldns.k8s.io", "ns", "www")
    assert body["status"]["observedGeneration"] == 2
    assert not await writer.set_programmed("ns", "www", 2, True, "Programmed", "ok", current_status=body["status"])
    assert len(client.requests) == 1


async def test_set_programmed_reads_the_object_without_a_cached_status() -> None:
    client = FakeClient()
    writer = DNSEndpointStatus(client, now=lambda: NOW)  # type: ignore[arg-type,unused-ignore]
    assert not await writer.set_programmed("ns", "gone", 1, True, "Programmed", "ok")
    assert [r[0] for r in client.requests] == ["get"]
    client.objects[("ns", "www")] = {"status": desired_status(None, 1, True, "Programmed", "ok", NOW)}
    assert not await writer.set_programmed("ns", "www", 1, True, "Programmed", "ok")
    assert [r[0] for r in client.requests] == ["get", "get"]


async def test_set_programmed_tolerates_404_and_logs_403_once(caplog: pytest.LogCaptureFixture) -> None:
    client = FakeClient()
    writer = DNSEndpointStatus(client, now=lambda: NOW)  # type: ignore[arg-type,unused-ignore]
    client.errors = [KubeError(404, "NotFound", "gone")]
    assert not await writer.set_programmed("ns", "www", 1, True, "Programmed", "ok", current_status={})
    client.errors = [KubeError(403, "Forbidden", "no") for _ in range(2)]
    with caplog.at_level(logging.WARNING, logger="zonekeeper.kube.status"):
        assert not await writer.set_programmed("ns", "www", 1, True, "Programmed", "ok", current_status={})
        assert not await writer.set_programmed("ns", "www", 1, True, "Programmed", "ok", current_status={})
    assert len(caplog.records) == 1 and "dnsendpoints/status" in caplog.records[0].getMessage()
    client.errors = [KubeError(500, "InternalError", "etcd")]
    with pytest.raises(KubeError):
        await writer.set_programmed("ns", "www", 1, True, "Programmed", "ok", current_status={})


# --------------------------------------------------------------------------------------------------
# --events-emit: external-dns's reasons for record changes


def owned(name: str, *targets: str) -> Endpoint:
    return Endpoint.new(name, "A", targets, ttl=120, labels={"owner": "c1"})


def test_change_events_default_to_zonekeeper_reasons() -> None:
    create = Change.create(owned("web.example.com", "1.2.3.4"))
    assert change_event(create, "example.com", refused=None, emit=frozenset()) == EventText(
        "Normal", RECORD_CREATED, "created A web.example.com -> 1.2.3.4 in zone example.com")
    assert change_event(create, "example.com", refused="InvalidChangeBatch: nope", emit=frozenset()) == EventText(
        "Warning", CHANGE_REJECTED, "Route 53 refused to create A web.example.com: InvalidChangeBatch: nope")


def test_events_emit_uses_external_dns_reasons_for_the_types_asked_for() -> None:
    every = frozenset(EVENTS_EMIT_CHOICES)
    assert EVENTS_EMIT_CHOICES == ("RecordReady", "RecordDeleted", "RecordError")
    create = Change.create(owned("web.example.com", "1.2.3.5", "1.2.3.4"))
    update = Change.update(owned("web.example.com", "1.2.3.4"), owned("web.example.com", "1.2.3.5"))
    delete = Change.delete(owned("web.example.com", "1.2.3.5"))
    ready = "(zonekeeper) record:web.example.com,owner:c1,type:A,ttl:120,targets:1.2.3.4,1.2.3.5"
    assert change_event(create, "example.com", refused=None, emit=every) == EventText("Normal", "RecordReady", ready)
    assert change_event(update, "example.com", refused=None, emit=every) == EventText(
        "Normal", "RecordReady", "(zonekeeper) record:web.example.com,owner:c1,type:A,ttl:120,targets:1.2.3.5")
    assert change_event(delete, "example.com", refused=None, emit=every) == EventText(
        "Normal", "RecordDeleted", "(zonekeeper) record:web.example.com,owner:c1,type:A,ttl:120,targets:1.2.3.5")
    assert change_event(delete, "example.com", refused="InvalidChangeBatch: nope", emit=every) == EventText(
        "Warning", "RecordError",
        "(zonekeeper) record:web.example.com,owner:c1,type:A,ttl:120,targets:1.2.3.5,error:InvalidChangeBatch: nope")
    # Only the types asked for: nothing else about record changes, not even zonekeeper's reasons.
    only_errors = frozenset({"RecordError"})
    assert change_event(create, "example.com", refused=None, emit=only_errors) is None
    assert change_event(delete, "example.com", refused=None, emit=frozenset({"RecordReady"})) is None
    assert change_event(create, "example.com", refused="x", emit=frozenset({"RecordReady"})) is None
