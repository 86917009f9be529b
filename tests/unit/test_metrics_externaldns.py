"""external-dns's metric families beside zonekeeper's: names, types, labels, semantics, on plain data."""

from __future__ import annotations

import math

from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from zonekeeper.census import Census
from zonekeeper.changes import Change
from zonekeeper.endpoint import Endpoint
from zonekeeper.externaldns_metrics import EXPORTED, NOT_EXPORTED
from zonekeeper.metrics import Metrics
from zonekeeper.pipeline import PassResult, ZoneOutcome
from zonekeeper.plan import Plan
from zonekeeper.providers.base import ApplyResult, HttpRequest, Zone

ZONE = Zone("Z1", "example.com")

# external-dns v0.23.0's families (pkg/metrics, controller/metrics.go, plan/metrics.go,
# source/wrappers/metrics.go, pkg/http/http.go, provider/cached_provider.go, provider/webhook):
# name as scraped -> (type, labels).
EXTERNAL_DNS = {
    "external_dns_build_info": ("gauge", ("arch", "go_version", "os", "revision", "version")),
    "external_dns_controller_consecutive_soft_errors": ("gauge", ()),
    "external_dns_controller_last_reconcile_timestamp_seconds": ("gauge", ()),
    "external_dns_controller_last_sync_timestamp_seconds": ("gauge", ()),
    "external_dns_controller_no_op_runs_total": ("counter", ()),
    "external_dns_controller_verified_records": ("gauge", ("record_type",)),
    "external_dns_http_request_duration_seconds": ("summary", ("handler", "host", "method", "path", "scheme",
                                                               "status")),
    "external_dns_provider_cache_apply_changes_calls": ("counter", ()),
    "external_dns_provider_cache_records_calls": ("counter", ("from_cache",)),
    "external_dns_registry_endpoints_total": ("gauge", ()),
    "external_dns_registry_errors_total": ("counter", ()),
    "external_dns_registry_records": ("gauge", ("record_type",)),
    "external_dns_registry_skipped_records_owner_mismatch_per_sync": ("gauge", ("domain", "foreign_owner", "owner",
                                                                                "record_type")),
    "external_dns_source_deduplicated_endpoints": ("gauge", ("record_type", "source_type")),
    "external_dns_source_endpoints_total": ("gauge", ()),
    "external_dns_source_errors_total": ("counter", ()),
    "external_dns_source_invalid_endpoints": ("gauge", ("record_type", "source_type")),
    "external_dns_source_records": ("gauge", ("record_type",)),
    **{f"external_dns_webhook_provider_{n}": ("gauge", ()) for n in (
        "records_errors_total", "records_requests_total", "applychanges_errors_total",
        "applychanges_requests_total", "adjustendpoints_errors_total", "adjustendpoints_requests_total")},
}


def scrape(m: Metrics) -> dict[str, tuple[str, set[tuple[str, ...]]]]:
    """Family name -> (type, label-name sets of its samples), from the text exposition."""
    text = generate_latest(m.registry).decode()
    out: dict[str, tuple[str, set[tuple[str, ...]]]] = {}
    for family in text_string_to_metric_families(text):
        name = family.name + "_total" if family.type == "counter" and not family.name.endswith("_total") \
            else family.name
        labels = {tuple(sorted(set(s.labels) - {"quantile", "le"})) for s in family.samples}
        out[name] = (family.type, labels)
    return out


def value(m: Metrics, name: str, **labels: str) -> float | None:
    return m.registry.get_sample_value(name, labels)


def ep(name: str, rtype: str = "A") -> Endpoint:
    return Endpoint.new(name, rtype, ["192.0.2.1"], labels={"owner": "me", "resource": "service/default/web"})


def full(census: Census | None = None, *, changes: list[Change] = (), failed: list[Change] = (),
         zone_error: str | None = None, error: str | None = None) -> PassResult:
    applied = ApplyResult(applied=list(changes), failed=[(c, "InvalidChangeBatch") for c in failed])
    zone = ZoneOutcome(ZONE, plan=Plan(changes=list(changes) + list(failed)), applied=applied, error=zone_error)
    return PassResult(zones=[] if error else [zone], error=error, census=census)


def test_every_external_dns_family_is_exported_or_listed_with_a_reason() -> None:
    assert set(EXPORTED) | set(NOT_EXPORTED) == set(EXTERNAL_DNS)
    assert not set(EXPORTED) & set(NOT_EXPORTED)
    assert all(len(reason) > 40 for reason in NOT_EXPORTED.values())
    scraped = scrape(Metrics())
    for name in EXPORTED:
        type_, labels = EXTERNAL_DNS[name]
        assert name in scraped, name
        assert scraped[name][0] == type_, name
        # A family with no series yet exposes no labels; those that have series carry exactly these.
        assert scraped[name][1] <= {tuple(sorted(labels))}, name
    assert not set(NOT_EXPORTED) & set(scraped)


def test_counters_start_at_zero_and_runtime_collectors_are_there() -> None:
    m = Metrics()
    for name in ("external_dns_controller_no_op_runs_total", "external_dns_registry_errors_total",
                 "external_dns_source_errors_total"):
        assert value(m, name) == 0, name
    assert value(m, "zonekeeper_route53_api_calls_total", operation="ChangeResourceRecordSets", outcome="throttled",
                 account="default") == 0
    assert value(m, "zonekeeper_ownership_conflicts_total", reason="OwnedByOther") == 0
    assert value(m, "zonekeeper_kube_events_dropped_total", reason="overflow") == 0
    scraped = scrape(m)
    assert "process_cpu_seconds_total" in scraped and "process_resident_memory_bytes" in scraped
    assert "python_info" in scraped and "python_gc_collections_total" in scraped


def test_a_zone_seen_starts_its_counters_at_zero() -> None:
    m = Metrics()
    m.observe_pass(full(Census()), full=True, duration=0.1)
    zone = {"zone": "example.com", "zone_id": "Z1"}
    assert value(m, "zonekeeper_changes_refused_total", **zone) == 0
    assert value(m, "zonekeeper_deletion_guard_trips_total", **zone) == 0
    assert value(m, "zonekeeper_changes_applied_total", **zone, action="delete", record_type="CNAME") == 0
    # The record types managed (--managed-record-types) are the known values of `record_type`.
    m = Metrics(record_types=("A", "TXT"))
    m.observe_pass(full(Census()), full=True, duration=0.1)
    assert value(m, "zonekeeper_changes_applied_total", **zone, action="create", record_type="TXT") == 0
    assert value(m, "zonekeeper_changes_applied_total", **zone, action="create", record_type="CNAME") is None


def test_census_gauges_follow_the_last_full_pass() -> None:
    clock = [1000.0]
    m = Metrics(wall_clock=lambda: clock[0])
    census = Census(source_by_type={"a": 3, "cname": 1}, registry_by_type={"a": 2, "txt": 1},
                    verified_by_type={"a": 2}, owner_mismatch={("a", "me", "other", "example.com"): 1})
    m.observe_pass(full(census), full=True, duration=0.1)
    assert value(m, "external_dns_source_endpoints_total") == 4
    assert value(m, "external_dns_registry_endpoints_total") == 3
    assert value(m, "external_dns_source_records", record_type="cname") == 1
    assert value(m, "external_dns_registry_records", record_type="txt") == 1
    assert value(m, "external_dns_controller_verified_records", record_type="a") == 2
    assert value(m, "external_dns_registry_skipped_records_owner_mismatch_per_sync", record_type="a", owner="me",
                 foreign_owner="other", domain="example.com") == 1
    assert value(m, "external_dns_controller_no_op_runs_total") == 1
    assert value(m, "external_dns_controller_last_sync_timestamp_seconds") == 1000.0
    # The next full pass replaces every series: a record type gone is gone, not frozen at its last count.
    clock[0] = 1060.0
    m.observe_pass(full(Census(source_by_type={"a": 1})), full=True, duration=0.1)
    assert value(m, "external_dns_source_records", record_type="cname") is None
    assert value(m, "external_dns_registry_skipped_records_owner_mismatch_per_sync", record_type="a", owner="me",
                 foreign_owner="other", domain="example.com") is None
    assert value(m, "external_dns_source_endpoints_total") == 1
    assert value(m, "external_dns_controller_last_sync_timestamp_seconds") == 1060.0
    # An incremental pass is no census: the gauges keep the last full pass's counts.
    clock[0] = 1070.0
    m.observe_pass(full(None, changes=[Change.create(ep("a.example.com"))]), full=False, duration=0.1)
    assert value(m, "external_dns_source_endpoints_total") == 1
    assert value(m, "external_dns_controller_last_reconcile_timestamp_seconds") == 1070.0
    assert value(m, "external_dns_controller_last_sync_timestamp_seconds") == 1060.0
    assert value(m, "external_dns_controller_no_op_runs_total") == 2


def test_errors_soft_error_streak_and_last_sync() -> None:
    clock = [1000.0]
    m = Metrics(wall_clock=lambda: clock[0])
    m.observe_pass(full(error="cannot list hosted zones: boom"), full=True, duration=0.1)
    clock[0] = 1010.0
    m.observe_pass(full(Census(), failed=[Change.create(ep("a.example.com"))]), full=True, duration=0.1)
    assert value(m, "external_dns_registry_errors_total") == 2
    assert value(m, "external_dns_controller_consecutive_soft_errors") == 2
    # A refused change fails external-dns's ApplyChanges: no successful sync, no no-op run.
    assert value(m, "external_dns_controller_last_sync_timestamp_seconds") == 0
    assert value(m, "external_dns_controller_no_op_runs_total") == 0
    assert value(m, "external_dns_controller_last_reconcile_timestamp_seconds") == 1010.0
    clock[0] = 1020.0
    m.observe_pass(full(Census(), changes=[Change.create(ep("a.example.com"))]), full=True, duration=0.1)
    assert value(m, "external_dns_controller_consecutive_soft_errors") == 0
    assert value(m, "external_dns_controller_last_sync_timestamp_seconds") == 1020.0
    assert value(m, "external_dns_controller_no_op_runs_total") == 0


def test_http_request_duration_is_external_dns_summary() -> None:
    m = Metrics()
    for seconds in (0.1, 0.2, 0.3, 0.4, 1.0):
        m.observe_http_request(HttpRequest("https", "route53.amazonaws.com", "/2013-04-01/hostedzone", "GET", "200",
                                           seconds))
    m.observe_http_request(HttpRequest("https", "route53.amazonaws.com", "/2013-04-01/hostedzone/Z1/rrset/", "POST",
                                       "unknown", 2.0))
    labels = {"handler": "instrumented_http", "scheme": "https", "host": "route53.amazonaws.com",
              "path": "hostedzone", "method": "GET", "status": "200"}
    name = "external_dns_http_request_duration_seconds"
    assert value(m, f"{name}_count", **labels) == 5
    assert math.isclose(value(m, f"{name}_sum", **labels) or 0, 2.0)
    assert value(m, name, **labels, quantile="0.5") == 0.3
    assert value(m, name, **labels, quantile="0.99") == 1.0
    # external-dns keeps the last path segment only: ".../rrset/" is "".
    assert value(m, f"{name}_count", **labels | {"path": "", "method": "POST", "status": "unknown"}) == 1
