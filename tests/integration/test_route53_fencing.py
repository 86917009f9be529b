"""Route 53 writes under leader election, and changes refused because our view was stale, against the
strict Route 53 endpoint.

* A write goes out only while the lease is certainly ours: the fence is asked before every HTTP
  attempt (retries included), and the attempt's read timeout is bounded by the time it has left.
* A batch Route 53 refuses because records changed behind our back ("already exists", "not found",
  "values do not match") costs one request, not a bisection; the names are re-read (point reads when
  few, the zone when cheaper) and handed back for re-planning; an identical refused group is never
  sent a second time while the records it was refused for are unchanged.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.route53 import StrictRoute53Server
from zonekeeper.changes import Change, ChangeGroup
from zonekeeper.config import Settings
from zonekeeper.controller import Controller
from zonekeeper.endpoint import Endpoint
from zonekeeper.providers.route53 import Route53Provider
from zonekeeper.sources.objects import SERVICES, ObjectStore
from zonekeeper.wiring import Wiring, build

pytestmark = [pytest.mark.integration]


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.fixture
def zone(route53: StrictRoute53Server) -> Iterator[str]:
    yield route53.create_zone("example.com")


def wire(route53: StrictRoute53Server, **overrides: Any) -> tuple[Wiring, Route53Provider]:
    settings = Settings.of(aws_endpoint_url=route53.endpoint, txt_owner_id="ha", aws_rate_limit=1000.0, **overrides)
    wired = build(settings, records_cache_seconds=3600.0)
    assert isinstance(wired.provider, Route53Provider)
    return wired, wired.provider


def svc(name: str, ip: str) -> Endpoint:
    return Endpoint.new(name, "A", [ip], labels={"resource": f"service/default/{name.split('.')[0]}"})


def harness_change(route53: StrictRoute53Server, zone: str, changes: list[dict[str, Any]]) -> None:
    route53.harness.change_resource_record_sets(HostedZoneId=zone, ChangeBatch={"Changes": changes})


def rrset(name: str, rtype: str, value: str, ttl: int = 300) -> dict[str, Any]:
    return {"Name": name, "Type": rtype, "TTL": ttl, "ResourceRecords": [{"Value": value}]}


def filler(route53: StrictRoute53Server, zone: str, n: int) -> None:
    """`n` records nobody in the test owns, so the zone takes several ListResourceRecordSets pages."""
    for start in range(0, n, 500):
        harness_change(route53, zone, [{"Action": "CREATE", "ResourceRecordSet": rrset(
            f"filler{i}.example.com.", "A", f"192.0.2.{i % 250 + 1}")} for i in range(start, min(n, start + 500))])


def current(route53: StrictRoute53Server, zone: str) -> dict[tuple[str, str], str]:
    out = {}
    for r in route53.records(zone):
        values = r.get("ResourceRecords") or []
        out[(r["Name"], r["Type"])] = ",".join(v["Value"] for v in values)
    return out


def sent_twice(route53: StrictRoute53Server) -> list[Any]:
    seen: list[Any] = []
    twice = []
    for batch in route53.change_batches:
        if batch["Changes"] in seen:
            twice.append(batch["Changes"])
        seen.append(batch["Changes"])
    return twice


# -- fencing ---------------------------------------------------------------------------------------


def test_no_retry_once_the_lease_is_gone(route53: StrictRoute53Server, zone: str) -> None:
    """botocore retries a write answered PriorRequestNotComplete; the lease is lost as soon as the
    first attempt has gone out, so the retry must not be sent."""
    wired, provider = wire(route53)
    provider.fence = lambda: 0.0 if route53.change_batches else 10.0
    route53.inject_prior_request_not_complete(1)
    result = wired.pipeline.run([svc("web.example.com", "10.0.0.1")], apply=True)
    statuses = [b["Status"] for b in route53.change_batches]
    assert statuses == ["injected"], f"a retry was sent after the lease was lost: {statuses}"
    (outcome,) = result.zones
    assert outcome.failed and all("leader" in reason for _, reason in outcome.failed), outcome.failed
    assert ("web.example.com.", "A") not in current(route53, zone)


def test_a_write_is_abandoned_when_the_lease_runs_out_mid_request(route53: StrictRoute53Server, zone: str) -> None:
    """Route 53 answers after 3 s, the lease has 0.8 s left: the client gives up at its deadline
    instead of waiting (botocore's read timeout is 60 s), and does not retry."""
    wired, provider = wire(route53)
    assert wired.pipeline.run([], apply=True).ok  # zones and records read: only the write is timed
    deadline = time.monotonic() + 0.8
    provider.fence = lambda: deadline - time.monotonic()
    route53.inject_delay("ChangeResourceRecordSets", 3.0)
    started = time.monotonic()
    result = wired.pipeline.run([svc("web.example.com", "10.0.0.1")], apply=True)
    took = time.monotonic() - started
    print(f"\nwrite abandoned after {took:.2f}s (lease had 0.8s left, Route 53 answered after 3s)")
    assert took < 1.5, f"the write outlived the lease: {took:.2f}s"
    assert len(route53.change_batches) == 1, "retried past the deadline"
    assert result.zones[0].failed


def test_a_write_is_not_sent_with_too_little_lease_left(route53: StrictRoute53Server, zone: str) -> None:
    wired, provider = wire(route53)
    provider.fence = lambda: 0.05
    result = wired.pipeline.run([svc("web.example.com", "10.0.0.1")], apply=True)
    assert route53.change_batches == []
    assert result.zones[0].failed and "leader" in result.zones[0].failed[0][1]


# -- stale records -----------------------------------------------------------------------------------


def test_a_batch_refused_for_stale_records_costs_one_request_and_is_replanned(
        route53: StrictRoute53Server, zone: str) -> None:
    wired, _ = wire(route53)
    names = [f"s{i}.example.com" for i in range(12)]
    assert wired.pipeline.run([svc(n, "10.0.1.1") for n in names], apply=True).ok
    # Another writer (the replica that led meanwhile) deletes every record and its TXT behind our back.
    harness_change(route53, zone, [{"Action": "DELETE", "ResourceRecordSet": r} for r in route53.records(zone)
                                   if r["Type"] in ("A", "TXT")])
    route53.change_batches.clear()
    route53.reset_counts()

    result = wired.pipeline.run([svc(n, "10.0.2.2") for n in names], apply=True)
    rejected = [b for b in route53.change_batches if b["Status"] == "rejected"]
    print(f"\nrejected batches: {len(rejected)}; requests: {dict(route53.counts)}")
    assert len(rejected) == 1, f"{len(rejected)} rejected requests for one stale batch (bisected?)"
    (outcome,) = result.zones
    assert outcome.applied is not None
    assert set(names) <= outcome.applied.replan
    # The zone (one page) is cheaper to re-read than 24 names one by one.
    assert route53.counts["ListResourceRecordSets"] == 1

    # Planning those names again from what was re-read creates them: no refusal, nothing sent twice.
    again = wired.pipeline.run([svc(n, "10.0.2.2") for n in names], apply=True, only_names=outcome.applied.replan)
    assert again.ok, again.zones[0].failed
    assert [b["Status"] for b in route53.change_batches] == ["rejected", "accepted"]
    assert sent_twice(route53) == []
    got = current(route53, zone)
    assert all(got[(n + ".", "A")] == "10.0.2.2" for n in names)


def test_few_stale_names_in_a_big_zone_are_read_one_by_one(route53: StrictRoute53Server, zone: str) -> None:
    wired, _ = wire(route53)
    filler(route53, zone, 1000)  # 4 pages
    names = [f"s{i}.example.com" for i in range(5)]
    assert wired.pipeline.run([svc(n, "10.0.1.1") for n in names], apply=True).ok
    # s3 is changed behind our back (TXT intact: still ours).
    harness_change(route53, zone, [{"Action": "UPSERT", "ResourceRecordSet": rrset("s3.example.com.", "A",
                                                                                   "198.51.100.3")}])
    route53.change_batches.clear()
    route53.reset_counts()

    result = wired.pipeline.run([svc(n, "10.0.2.2") for n in names], apply=True)
    (outcome,) = result.zones
    assert [c.endpoint.name for c, _ in outcome.failed] == ["s3.example.com"]
    assert outcome.applied is not None and outcome.applied.replan == {"s3.example.com"}
    reads = route53.counts["ListResourceRecordSets"]
    print(f"\nre-read of one stale name in a zone of 1,000+ records: {reads} ListResourceRecordSets")
    assert 1 <= reads <= 2, reads  # the name's records (and its TXT), not 4 pages of the zone

    again = wired.pipeline.run([svc(n, "10.0.2.2") for n in names], apply=True, only_names={"s3.example.com"})
    assert again.ok, again.zones[0].failed
    assert current(route53, zone)[("s3.example.com.", "A")] == "10.0.2.2"
    assert sent_twice(route53) == []
    assert [b["Status"] for b in route53.change_batches].count("rejected") == 1


def test_an_identical_refused_group_is_never_sent_twice(route53: StrictRoute53Server, zone: str) -> None:
    """Refused as stale, re-read, and the records are as we thought: sending the same group again
    cannot succeed, so it is not sent until those records change."""
    _, provider = wire(route53)
    (z,) = provider.zones()
    provider.records(z)
    harness_change(route53, zone, [{"Action": "CREATE", "ResourceRecordSet": rrset("x.example.com.", "A",
                                                                                   "10.0.0.1")}])
    ep = svc("x.example.com", "10.0.0.2").evolve(ttl=300)
    create = Change.create(ep)
    group = ChangeGroup("x.example.com", [create], [create])
    first = provider.apply(z, [group])
    assert first.failed and "already exists" in first.failed[0][1]
    second = provider.apply(z, [group])
    assert len(route53.change_batches) == 1, "the identical refused group was sent again"
    assert second.failed and "not sent again" in second.failed[0][1]
    # Once the records at the name change, the same group is worth a try again.
    harness_change(route53, zone, [{"Action": "DELETE", "ResourceRecordSet": rrset("x.example.com.", "A",
                                                                                   "10.0.0.1")}])
    provider.invalidate(z)
    provider.records(z)
    third = provider.apply(z, [group])
    assert third.applied == [create] and len(route53.change_batches) == 2


# -- the controller: regaining leadership, re-planning refused names ------------------------------------


class Store(ObjectStore):
    synced = True


class Leadership:
    """What the controller asks of the elector, set by the test (the real elector runs in test_ha_replicas)."""

    def __init__(self) -> None:
        self.is_leader = True
        self.term = 1

    def write_budget(self, term: int) -> float:
        return 10.0 if self.is_leader and term == self.term else 0.0


def service_obj(name: str, ip: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": "default",
                         "annotations": {"external-dns.alpha.kubernetes.io/hostname": f"{name}.example.com"}},
            "spec": {"type": "LoadBalancer"}, "status": {"loadBalancer": {"ingress": [{"ip": ip}]}}}


def controller_for(route53: StrictRoute53Server, store: Store | None = None) -> tuple[Controller, Store, Leadership]:
    settings = Settings.of(aws_endpoint_url=route53.endpoint, txt_owner_id="ha", aws_rate_limit=1000.0,
                           sources=("service",))
    wired = build(settings, records_cache_seconds=3600.0)
    store, leadership = store if store is not None else Store(), Leadership()
    return Controller(wired, store, elector=leadership, debounce=0), store, leadership


def a_values(route53: StrictRoute53Server, zone: str) -> dict[str, str]:
    return {n.rstrip("."): v for (n, t), v in current(route53, zone).items() if t == "A"}


async def test_regaining_leadership_rereads_the_records_before_the_first_write(
        route53: StrictRoute53Server, zone: str) -> None:
    controller, store, leadership = controller_for(route53)
    try:
        for i in range(6):
            store.add(service_obj(f"s{i}", f"10.0.0.{i + 1}"))
        assert (await controller.run_pass(full=True)).ok  # type: ignore[union-attr]
        leadership.is_leader = False
        # Another replica leads meanwhile: s0 changes (it applies it), s1 is deleted, s6 is created; and
        # s2's record is deleted by hand.
        store.add(service_obj("s0", "10.0.1.1"))
        store.remove(SERVICES, "default", "s1")
        store.add(service_obj("s6", "10.0.0.7"))
        other, _, _ = controller_for(route53, store)
        assert (await other.run_pass(full=True)).ok  # type: ignore[union-attr]
        other.close()
        harness_change(route53, zone, [{"Action": "DELETE", "ResourceRecordSet": r} for r in route53.records(zone)
                                       if r["Name"] in ("s2.example.com.", "a-s2.example.com.")])
        route53.change_batches.clear()

        leadership.is_leader, leadership.term = True, 2
        controller.request_full_pass()
        result = await controller.run_pass(full=True)
        assert result is not None and result.ok, [f for z in result.zones for f in z.failed]
        assert [b["Status"] for b in route53.change_batches] == ["accepted"]
        assert a_values(route53, zone) == {"s0.example.com": "10.0.1.1", "s2.example.com": "10.0.0.3",
                                           "s3.example.com": "10.0.0.4", "s4.example.com": "10.0.0.5",
                                           "s5.example.com": "10.0.0.6", "s6.example.com": "10.0.0.7"}
    finally:
        controller.close()


async def test_a_name_refused_as_stale_is_planned_again_at_once(route53: StrictRoute53Server, zone: str) -> None:
    controller, store, _ = controller_for(route53)
    try:
        for i in range(3):
            store.add(service_obj(f"s{i}", f"10.0.0.{i + 1}"))
        assert (await controller.run_pass(full=True)).ok  # type: ignore[union-attr]
        harness_change(route53, zone, [{"Action": "DELETE", "ResourceRecordSet": r} for r in route53.records(zone)
                                       if r["Name"] in ("s1.example.com.", "a-s1.example.com.")])
        route53.change_batches.clear()
        old = store.get(SERVICES, "default", "s1")
        store.add(service_obj("s1", "10.0.9.9"))
        controller.on_change(SERVICES, "modified", old, store.get(SERVICES, "default", "s1"))
        first = await controller.run_pass(full=False)
        assert first is not None and [c.endpoint.name for z in first.zones for c, _ in z.failed] == ["s1.example.com"]
        # No object changed, yet the next pass plans s1 again, from what was read after the refusal.
        second = await controller.run_pass(full=False)
        assert second is not None and second.ok
        assert [b["Status"] for b in route53.change_batches] == ["rejected", "accepted"]
        assert sent_twice(route53) == []
        assert a_values(route53, zone)["s1.example.com"] == "10.0.9.9"
    finally:
        controller.close()
