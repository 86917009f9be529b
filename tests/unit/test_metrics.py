"""Metrics bookkeeping on plain PassResults, the scrape-time components, and the generated reference."""

from __future__ import annotations

import asyncio
import io
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from zonekeeper import logs
from zonekeeper.changes import Change
from zonekeeper.config import Settings
from zonekeeper.controller import Controller
from zonekeeper.endpoint import Endpoint, Problem
from zonekeeper.metrics import NULL_METRICS, Metrics, reference_markdown, source_kind, sync_succeeded
from zonekeeper.pipeline import PassResult, ZoneOutcome
from zonekeeper.plan import Plan
from zonekeeper.providers.base import ApplyResult, Zone
from zonekeeper.sources.objects import ObjectStore
from zonekeeper.wiring import build

ROOT = Path(__file__).resolve().parent.parent.parent
PUBLIC = Zone("Z1", "example.com")
PRIVATE = Zone("Z2", "example.com", private=True)


def ep(name: str, rtype: str = "A", owner: str = "me", resource: str = "service/default/web") -> Endpoint:
    return Endpoint.new(name, rtype, ["192.0.2.1"] if rtype == "A" else ["x.example.org"],
                        labels={"owner": owner, "resource": resource})


def value(metrics: Metrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


def outcome(zone: Zone, *, applied: list[Change] = (), failed: list[Change] = (), owned: int = 0,
            guarded: bool = False, error: str | None = None, problems: list[Problem] = ()) -> ZoneOutcome:
    result = ApplyResult(applied=list(applied), failed=[(c, "InvalidChangeBatch: nope") for c in failed])
    return ZoneOutcome(zone, plan=Plan(changes=list(applied) + list(failed), problems=list(problems)),
                       applied=result if applied or failed else None, error=error, owned_records=owned,
                       guarded=guarded)


def test_changes_owned_records_and_refusals_per_zone() -> None:
    m = Metrics()
    result = PassResult(zones=[
        outcome(PUBLIC, applied=[Change.create(ep("a.example.com")), Change.create(ep("b.example.com", "CNAME")),
                                 Change.delete(ep("c.example.com"))],
                failed=[Change.create(ep("d.example.com"))], owned=10),
        outcome(PRIVATE, applied=[Change.update(ep("a.example.com"), ep("a.example.com"))], owned=3),
    ])
    m.observe_pass(result, full=True, duration=0.5)
    pub = {"zone": "example.com", "zone_id": "Z1"}
    priv = {"zone": "example.com", "zone_id": "Z2"}
    assert value(m, "zonekeeper_changes_applied_total", **pub, action="create", record_type="A") == 1
    assert value(m, "zonekeeper_changes_applied_total", **pub, action="create", record_type="CNAME") == 1
    assert value(m, "zonekeeper_changes_applied_total", **pub, action="delete", record_type="A") == 1
    assert value(m, "zonekeeper_changes_applied_total", **priv, action="update", record_type="A") == 1
    assert value(m, "zonekeeper_changes_refused_total", **pub) == 1
    assert value(m, "zonekeeper_changes_refused_total", **priv) == 0  # started at 0 when the zone was seen
    # The owned count was read before the pass applied its changes: +2 created, -1 deleted.
    assert value(m, "zonekeeper_owned_records", **pub) == 11
    assert value(m, "zonekeeper_owned_records", **priv) == 3
    assert value(m, "zonekeeper_reconcile_duration_seconds_count", mode="full") == 1
    assert value(m, "zonekeeper_reconcile_duration_seconds_sum", mode="full") == 0.5


def test_sync_timestamps_only_for_complete_full_passes() -> None:
    now = [1000.0]
    m = Metrics(wall_clock=lambda: now[0])
    m.observe_pass(PassResult(zones=[outcome(PUBLIC)]), full=False, duration=0.1)
    assert value(m, "zonekeeper_last_pass_timestamp_seconds") == 1000
    assert value(m, "zonekeeper_last_sync_success_timestamp_seconds") == 0  # incremental: not a sync
    now[0] = 2000.0
    m.observe_pass(PassResult(zones=[outcome(PUBLIC)]), full=True, duration=0.1)
    assert value(m, "zonekeeper_last_sync_success_timestamp_seconds") == 2000
    now[0] = 3000.0
    broken = PassResult(zones=[outcome(PUBLIC), outcome(PRIVATE, error="AccessDenied")])
    assert not sync_succeeded(broken)
    m.observe_pass(broken, full=True, duration=0.1)
    assert value(m, "zonekeeper_last_pass_timestamp_seconds") == 3000
    assert value(m, "zonekeeper_last_sync_success_timestamp_seconds") == 2000
    # A refused change is a record's problem, not a failed sync.
    refused = PassResult(zones=[outcome(PUBLIC, failed=[Change.create(ep("x.example.com"))])])
    assert sync_succeeded(refused) and not refused.ok
    assert not sync_succeeded(PassResult(error="cannot list hosted zones: AccessDenied"))


def test_zone_error_keeps_the_last_owned_count() -> None:
    m = Metrics()
    m.observe_pass(PassResult(zones=[outcome(PUBLIC, owned=7)]), full=True, duration=0)
    m.observe_pass(PassResult(zones=[outcome(PUBLIC, error="Throttling")]), full=True, duration=0)
    assert value(m, "zonekeeper_owned_records", zone="example.com", zone_id="Z1") == 7


def test_incremental_passes_adjust_the_owned_count_by_their_changes() -> None:
    m = Metrics()
    z = {"zone": "example.com", "zone_id": "Z1"}
    # An incremental pass before any full pass knows nothing of the zone's size: no gauge yet.
    m.observe_pass(PassResult(zones=[outcome(PUBLIC, applied=[Change.create(ep("a.example.com"))], owned=0)]),
                   full=False, duration=0)
    assert value(m, "zonekeeper_owned_records", **z) is None
    m.observe_pass(PassResult(zones=[outcome(PUBLIC, owned=5)]), full=True, duration=0)
    # On incremental passes the pipeline reports the count it kept since the last full pass.
    m.observe_pass(PassResult(zones=[outcome(PUBLIC, applied=[Change.create(ep("b.example.com"))], owned=5)]),
                   full=False, duration=0)
    assert value(m, "zonekeeper_owned_records", **z) == 6
    m.observe_pass(PassResult(zones=[outcome(PUBLIC, applied=[Change.create(ep("c.example.com"))], owned=6)]),
                   full=False, duration=0)
    assert value(m, "zonekeeper_owned_records", **z) == 7
    m.observe_pass(PassResult(zones=[outcome(PUBLIC, applied=[Change.delete(ep("b.example.com")),
                                                              Change.update(ep("a.example.com"), ep("a.example.com"))],
                                             owned=7)]), full=False, duration=0)
    assert value(m, "zonekeeper_owned_records", **z) == 6


def test_zones_gone_from_a_full_pass_stop_reporting() -> None:
    m = Metrics()
    m.observe_pass(PassResult(zones=[outcome(PUBLIC, owned=2), outcome(PRIVATE, owned=3)]), full=True, duration=0)
    # An incremental pass touching one zone says nothing about the other.
    m.observe_pass(PassResult(zones=[outcome(PUBLIC, owned=2)]), full=False, duration=0)
    assert value(m, "zonekeeper_owned_records", zone="example.com", zone_id="Z2") == 3
    m.observe_pass(PassResult(zones=[outcome(PUBLIC, owned=2)]), full=True, duration=0)
    assert value(m, "zonekeeper_owned_records", zone="example.com", zone_id="Z2") is None
    assert value(m, "zonekeeper_owned_records", zone="example.com", zone_id="Z1") == 2


def test_deletion_guard_trips_and_engaged_gauge() -> None:
    from zonekeeper import guard as g
    from zonekeeper.endpoint import Key

    m = Metrics()
    z = {"zone": "example.com", "zone_id": "Z1"}
    limits = g.GuardLimits(0.5, 5, 3600)
    held = [Key(f"s{i}.example.com", "A") for i in range(9)]
    tripped = g.decide(g.ZoneGuard(), limits, 0.0, 10, held)
    problem = Problem("zone/example.com", "MassDeletionRefused", "mass-deletion guard: deletions are held")

    def guarded(decision: g.Decision, problems: list[Problem] = ()) -> PassResult:
        zone = outcome(PUBLIC, owned=10, guarded=not decision.allow, problems=problems)
        zone.guard = decision
        return PassResult(zones=[zone])

    m.observe_pass(guarded(tripped, [problem]), full=False, duration=0)
    assert value(m, "zonekeeper_deletion_guard_trips_total", **z) == 1
    assert value(m, "zonekeeper_deletion_guard_engaged", **z) == 1
    assert value(m, "zonekeeper_deletion_guard_held_deletions", **z) == 9
    # The guard's own problem is not counted as an invalid endpoint.
    assert value(m, "zonekeeper_invalid_endpoints_total", source="other", reason="MassDeletionRefused") is None
    # Still held on later passes (also full ones): engaged, the trip counted once.
    still = g.decide(tripped.state, limits, 1.0, 10, held[:4])
    m.observe_pass(guarded(still, [problem]), full=True, duration=0)
    assert value(m, "zonekeeper_deletion_guard_engaged", **z) == 1
    assert value(m, "zonekeeper_deletion_guard_held_deletions", **z) == 4
    assert value(m, "zonekeeper_deletion_guard_trips_total", **z) == 1
    # A pass without the guard's verdict (nothing weighed) changes nothing.
    m.observe_pass(PassResult(zones=[outcome(PUBLIC, owned=10)]), full=True, duration=0)
    assert value(m, "zonekeeper_deletion_guard_engaged", **z) == 1
    released = g.decide(still.state, limits, 2.0, 10, [])
    m.observe_pass(guarded(released), full=True, duration=0)
    assert value(m, "zonekeeper_deletion_guard_engaged", **z) == 0
    assert value(m, "zonekeeper_deletion_guard_held_deletions", **z) == 0
    assert value(m, "zonekeeper_deletion_guard_trips_total", **z) == 1


def test_problems_by_reason_and_source_kind() -> None:
    m = Metrics()
    result = PassResult(
        problems=[Problem("service/default/web", "InvalidHostname", "…"),
                  Problem("ingress/shop/front", "InvalidTarget", "…"),
                  Problem("crd/default/static", "InvalidTarget", "…"),
                  Problem("objects.yaml", "InvalidObject", "…"),
                  Problem("a.example.com A", "NoMatchingZone", "…")],
        zones=[outcome(PUBLIC, problems=[Problem("service/default/web", "OwnedByOther", "…"),
                                         Problem("service/default/api", "OwnedByOther", "…"),
                                         Problem("httproute/default/r", "Conflict", "…"),
                                         Problem("service/default/x", "OwnershipUnclear", "…")])])
    m.observe_pass(result, full=True, duration=0)
    assert value(m, "zonekeeper_ownership_conflicts_total", reason="OwnedByOther") == 2
    assert value(m, "zonekeeper_ownership_conflicts_total", reason="Conflict") == 1
    assert value(m, "zonekeeper_ownership_conflicts_total", reason="OwnershipUnclear") == 1
    assert value(m, "zonekeeper_invalid_endpoints_total", source="service", reason="InvalidHostname") == 1
    assert value(m, "zonekeeper_invalid_endpoints_total", source="ingress", reason="InvalidTarget") == 1
    assert value(m, "zonekeeper_invalid_endpoints_total", source="crd", reason="InvalidTarget") == 1
    assert value(m, "zonekeeper_invalid_endpoints_total", source="other", reason="InvalidObject") == 1
    assert value(m, "zonekeeper_invalid_endpoints_total", source="other", reason="NoMatchingZone") == 1
    # Counted per pass: the same problems found again count again.
    m.observe_pass(result, full=True, duration=0)
    assert value(m, "zonekeeper_ownership_conflicts_total", reason="OwnedByOther") == 4


@pytest.mark.parametrize(("subject", "kind"), [
    ("service/default/web", "service"), ("gateway/istio-system/gw", "gateway"), ("virtualservice/a/b", "virtualservice"),
    ("httproute/a/b", "httproute"), ("crd/a/b", "crd"), ("ingress/a/b", "ingress"), ("node/n1", "node"),
    ("tcproute/a/b", "tcproute"),
    ("secret/a/b", "other"), ("zone/example.com", "other"), ("web.example.com A", "other"), ("a/b/c/d", "other"),
])
def test_source_kind_is_bounded(subject: str, kind: str) -> None:
    assert source_kind(subject) == kind


def test_api_calls_and_latency() -> None:
    m = Metrics()
    m.observe_api_call("ListHostedZones", "ok")
    m.observe_api_call("ListHostedZones", "ok")
    m.observe_api_call("ChangeResourceRecordSets", "throttled")
    m.observe_latency(0.3)
    m.observe_latency(-1)  # clocks are monotonic, but a negative value must never corrupt the histogram
    m.observe_api_call("ListHostedZones", "ok", account="prod")
    assert value(m, "zonekeeper_route53_api_calls_total", operation="ListHostedZones", outcome="ok",
                 account="default") == 2
    assert value(m, "zonekeeper_route53_api_calls_total", operation="ChangeResourceRecordSets",
                 outcome="throttled", account="default") == 1
    # Route 53 throttles per account: with several --aws-profile, each one's calls are apart.
    assert value(m, "zonekeeper_route53_api_calls_total", operation="ListHostedZones", outcome="ok",
                 account="prod") == 1
    assert value(m, "zonekeeper_event_to_dns_latency_seconds_count") == 2
    m.observe_api_rate("default", 2.0)
    m.observe_api_rate("default", 1.5)
    assert value(m, "zonekeeper_route53_api_rate", account="default") == 1.5
    assert value(m, "zonekeeper_event_to_dns_latency_seconds_bucket", le="0.5") == 2


def test_components_are_read_at_scrape_time() -> None:
    m = Metrics()
    # Unbound (from-file mode, or before the controller starts): one writer, nothing watched.
    assert value(m, "zonekeeper_leader") == 1
    assert value(m, "zonekeeper_leader_transitions_total") == 0
    elector = SimpleNamespace(is_leader=False, stats=SimpleNamespace(transitions=2))
    informers = {"services": SimpleNamespace(restarts=3), "ingresses.networking.k8s.io": SimpleNamespace(restarts=0)}
    recorder = SimpleNamespace(stats=SimpleNamespace(dropped_overflow=4, failed=1))
    assert value(m, "zonekeeper_status_updates_queued") == 0
    status = SimpleNamespace(stats=SimpleNamespace(written=6, unchanged=9, failed=2), pending=11)
    m.bind(cache=SimpleNamespace(informers=informers), elector=elector, recorder=recorder,
           status=status)
    assert value(m, "zonekeeper_leader") == 0
    elector.is_leader = True
    elector.stats.transitions = 3
    informers["services"].restarts = 5
    assert value(m, "zonekeeper_leader") == 1
    assert value(m, "zonekeeper_leader_transitions_total") == 3
    assert value(m, "zonekeeper_watch_restarts_total", kind="services") == 5
    assert value(m, "zonekeeper_watch_restarts_total", kind="ingresses.networking.k8s.io") == 0
    assert value(m, "zonekeeper_kube_events_dropped_total", reason="overflow") == 4
    assert value(m, "zonekeeper_kube_events_dropped_total", reason="failed") == 1
    status.pending = 4
    status.stats.written = 13
    assert value(m, "zonekeeper_status_updates_total", outcome="written") == 13
    assert value(m, "zonekeeper_status_updates_total", outcome="unchanged") == 9
    assert value(m, "zonekeeper_status_updates_total", outcome="failed") == 2
    assert value(m, "zonekeeper_status_updates_queued") == 4


def test_registries_are_independent_and_build_info_is_set() -> None:
    a, b = Metrics(), Metrics()
    a.observe_api_call("ListHostedZones", "ok")
    assert value(b, "zonekeeper_route53_api_calls_total", operation="ListHostedZones", outcome="ok",
                 account="default") == 0
    samples = [s for f in a.registry.collect() if f.name == "zonekeeper_build_info" for s in f.samples]
    assert len(samples) == 1 and samples[0].value == 1 and samples[0].labels["version"]
    # No *_created series next to every counter.
    assert not [s for f in a.registry.collect() for s in f.samples if s.name.endswith("_created")]


def test_committed_metrics_reference_matches_the_code() -> None:
    committed = (ROOT / "docs" / "metrics.md").read_text()
    assert committed == reference_markdown(), (
        "docs/metrics.md is stale: run `uv run python -m zonekeeper.metrics > docs/metrics.md`")


def test_every_registered_metric_is_documented_with_low_cardinality_labels() -> None:
    m = Metrics()
    # zonekeeper's own families; external-dns's keep external-dns's labels (test_metrics_externaldns.py)
    # and the runtime's are prometheus_client's.
    specs = [s for s in m.reference() if s.name.startswith("zonekeeper_")]
    names = {s.name for s in specs}
    assert len(specs) == len(names) >= 17
    allowed = {"zone", "zone_id", "operation", "outcome", "action", "record_type", "source", "reason", "mode",
               "kind", "version", "python_version",
               "account"}  # account: one of the configured --aws-profile names
    assert {label for s in specs for label in s.labels} <= allowed
    # Something registered behind the declarations' back is caught.
    from prometheus_client import Counter

    Counter("sneaky_total", "undeclared", registry=m.registry)
    with pytest.raises(LookupError, match="sneaky"):
        m.reference()


def test_null_metrics_accepts_everything() -> None:
    NULL_METRICS.observe_api_call("ListHostedZones", "ok")
    NULL_METRICS.observe_pass(PassResult(), full=True, duration=1.0)
    NULL_METRICS.observe_latency(1.0)


# -- the controller reports to its Metrics --------------------------------------------------------------

class Store(ObjectStore):
    synced = True


def service(name: str, hostname: str, ip: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": "default",
                         "annotations": {"external-dns.alpha.kubernetes.io/hostname": hostname}},
            "spec": {"type": "LoadBalancer"}, "status": {"loadBalancer": {"ingress": [{"ip": ip}]}}}


@pytest.fixture
def json_logs() -> Any:
    """Logging as `--log-format json` sets it up, into a buffer; the root logger is restored after."""
    import logging

    root = logging.getLogger()
    saved = root.handlers[:], root.level
    stream = io.StringIO()
    logs.setup("info", "json", stream=stream)
    yield stream
    root.handlers[:], level = saved
    root.setLevel(level)


def test_controller_passes_feed_the_metrics_and_log_key_values(json_logs: io.StringIO) -> None:
    settings = Settings.of(provider="inmemory", inmemory_zone=("example.com",), sources=("service",), txt_owner_id="c")
    metrics = Metrics()
    store = Store()
    controller = Controller(build(settings), store, debounce=0, metrics=metrics)

    async def scenario() -> None:
        store.add(service("web", "web.example.com", "10.0.0.1"))
        assert (await controller.run_pass(full=True)) is not None
        old = store.get("services", "default", "web")
        store.add(service("web", "web.example.com", "10.0.0.2"))
        controller.on_change("services", "modified", old, store.get("services", "default", "web"))
        assert (await controller.run_pass(full=False)) is not None

    asyncio.run(scenario())
    zone = {"zone": "example.com", "zone_id": "/inmemory/example.com"}
    assert value(metrics, "zonekeeper_changes_applied_total", **zone, action="create", record_type="A") == 1
    assert value(metrics, "zonekeeper_changes_applied_total", **zone, action="update", record_type="A") == 1
    assert value(metrics, "zonekeeper_owned_records", **zone) == 1
    assert value(metrics, "zonekeeper_reconcile_duration_seconds_count", mode="full") == 1
    assert value(metrics, "zonekeeper_reconcile_duration_seconds_count", mode="incremental") == 1
    assert value(metrics, "zonekeeper_event_to_dns_latency_seconds_count") == 1
    assert (value(metrics, "zonekeeper_last_sync_success_timestamp_seconds") or 0) > 0
    assert controller.vitals.last_sync is not None

    lines = [json.loads(line) for line in json_logs.getvalue().splitlines()]
    changed = [line for line in lines if line["msg"] == "changed"]
    assert [c["action"] for c in changed] == ["create", "update"]
    assert changed[0] | {"time": "-"} == {
        "msg": "changed", "level": "info", "logger": "zonekeeper.controller", "time": "-",
        "action": "create", "zone": "example.com", "name": "web.example.com", "type": "A", "set_identifier": None,
        "targets": ["10.0.0.1"], "ttl": 300, "owner": "c", "resource": "service/default/web"}
