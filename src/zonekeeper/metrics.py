"""Prometheus metrics: one `Metrics` object owns a dedicated registry and every instrument.

Code that reports something takes a `MetricsSink` and calls one method (`observe_pass`,
`observe_api_call`, `observe_latency`); the default is `NULL_METRICS`, which does nothing, so pure
code and unit tests never need a registry. Values other components already count (watch restarts,
leadership, dropped Kubernetes Events) are read from them at scrape time (`Metrics.bind`) instead of
being copied.

Beside zonekeeper's own `zonekeeper_*` families the registry carries external-dns's `external_dns_*`
families under their names (zonekeeper.externaldns_metrics) and prometheus_client's process and
Python runtime collectors (a dedicated registry starts without them). Counters start at 0 for every
label value known in advance, so `increase()` sees the first event and `absent()` means absent.

Labels stay low-cardinality on purpose: zones, operations, outcomes, actions, record types, source
kinds and problem reasons. Never a record name or an object name: those belong in logs and Events.

`docs/metrics.md` is generated from this module (`python -m zonekeeper.metrics > docs/metrics.md`),
and a test keeps it equal to what the code registers.
"""

from __future__ import annotations

import contextlib
import platform
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from prometheus_client import (
    GC_COLLECTOR,
    PLATFORM_COLLECTOR,
    PROCESS_COLLECTOR,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from zonekeeper.externaldns_metrics import EXPORTED, ExternalDnsMetrics
from zonekeeper.plan import DEFAULT_MANAGED_TYPES
from zonekeeper.providers.base import HttpRequest

if TYPE_CHECKING:
    from zonekeeper.kube.cache import ClusterCache
    from zonekeeper.kube.events import EventRecorder
    from zonekeeper.kube.leader import LeaderElector
    from zonekeeper.kube.status import StatusWriter
    from zonekeeper.pipeline import PassResult, ZoneOutcome

NAMESPACE = "zonekeeper"

# Problem reasons that mean "someone else holds this name" (the plan's and the registry's words).
CONFLICT_REASONS = frozenset({"OwnedByOther", "Conflict", "OwnershipUnclear"})
# Reported by the deletion guard; counted by zonekeeper_deletion_guard_trips_total instead.
GUARD_REASON = "MassDeletionRefused"

# Every value a label of a counter can take that is known before anything happens: those series
# start at 0, so `increase()` sees the first event and `absent()` means what it says.
ROUTE53_OPERATIONS = ("ListHostedZones", "ListTagsForResources", "ListResourceRecordSets", "ChangeResourceRecordSets")
CALL_OUTCOMES = ("ok", "throttled", "error")
ACTIONS = ("create", "update", "delete")
DROP_REASONS = ("overflow", "failed")

RECONCILE_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)
LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)


def _source_kinds() -> frozenset[str]:
    from zonekeeper.sources import LABEL_KINDS

    return frozenset(LABEL_KINDS)


def source_kind(subject: str) -> str:
    """The source kind of a problem's subject (`service/ns/name` → `service`); `other` for subjects
    that are not source objects (a record key, a file, a zone), so the label stays bounded."""
    from zonekeeper.sources.objects import parse_resource_label

    parsed = parse_resource_label(subject)
    if parsed is not None and parsed[0] in _SOURCE_KINDS:
        return parsed[0]
    return "other"


_SOURCE_KINDS = _source_kinds()


def sync_succeeded(result: PassResult) -> bool:
    """A pass counts as a successful sync when the zones were listed and every zone was read and
    its changes submitted. Changes Route 53 refused, or deletes the guard withheld, do not make it
    a failure: they concern single records and have their own counters."""
    return result.listed_all and all(z.error is None for z in result.zones)


class MetricsSink(Protocol):
    """What instrumented code calls. `NULL_METRICS` does nothing; `Metrics` records."""

    def observe_api_call(self, operation: str, outcome: str, account: str = "default") -> None: ...

    def observe_api_rate(self, account: str, rate: float) -> None: ...

    def observe_pass(self, result: PassResult, *, full: bool, duration: float) -> None: ...

    def observe_latency(self, seconds: float) -> None: ...

    def observe_http_request(self, request: HttpRequest) -> None: ...


class NullMetrics:
    def observe_api_call(self, operation: str, outcome: str, account: str = "default") -> None:
        pass

    def observe_api_rate(self, account: str, rate: float) -> None:
        pass

    def observe_pass(self, result: PassResult, *, full: bool, duration: float) -> None:
        pass

    def observe_latency(self, seconds: float) -> None:
        pass

    def observe_http_request(self, request: HttpRequest) -> None:
        pass


NULL_METRICS: MetricsSink = NullMetrics()


@dataclass(slots=True, frozen=True)
class MetricSpec:
    """One documented metric: the name as scraped (counters end in `_total`), type, labels, meaning."""

    name: str
    type: str
    labels: tuple[str, ...]
    help: str


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("zonekeeper")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree without metadata
        return "unknown"


class Metrics:
    """Every zonekeeper metric, on its own `CollectorRegistry` (nothing global: two controllers in
    one process, as in tests, never share counts)."""

    def __init__(self, *, wall_clock: Callable[[], float] = time.time,
                 record_types: Sequence[str] = DEFAULT_MANAGED_TYPES) -> None:
        """`record_types`: the types managed, whose change counters start at 0 in each zone seen."""
        from prometheus_client import disable_created_metrics

        # `*_created` series double every counter and mean nothing to a long-running controller.
        disable_created_metrics()  # type: ignore[no-untyped-call]
        self.registry = CollectorRegistry(auto_describe=True)
        self.specs: dict[str, MetricSpec] = {}
        self._wall = wall_clock
        self._zones: set[tuple[str, str]] = set()
        self._counted: set[tuple[str, str]] = set()
        self._record_types = tuple(record_types)

        self.api_calls = self._counter(
            "route53_api_calls_total", ("operation", "outcome", "account"),
            "Route 53 API requests by operation, outcome (ok, throttled, error) and AWS account (the "
            "--aws-profile, `default` without one); every HTTP attempt counts, retries included.")
        self.api_rate = self._gauge(
            "route53_api_rate", ("account",),
            "Route 53 requests per second the account's adaptive limiter allows now: lowered on Throttling, "
            "raised slowly back to --aws-rate-limit (shown once it first changed).")
        self.changes_applied = self._counter(
            "changes_applied_total", ("zone", "zone_id", "action", "record_type"),
            "Record changes Route 53 accepted, by zone, action (create, update, delete) and record type. "
            "Ownership TXT records travelling with them are not counted.")
        self.changes_refused = self._counter(
            "changes_refused_total", ("zone", "zone_id"),
            "Record changes Route 53 refused (each is logged and reported as an Event with the reason).")
        self.owned_records = self._gauge(
            "owned_records", ("zone", "zone_id"),
            "Records this instance owns in the zone (TXT registry owner id): counted by the last full pass, "
            "kept current with the changes applied since.")
        self.ownership_conflicts = self._counter(
            "ownership_conflicts_total", ("reason",),
            "Desired records left alone because of ownership, per pass: OwnedByOther (a foreign or unowned "
            "record holds the name), Conflict (several objects want one record), OwnershipUnclear "
            "(ambiguous or foreign TXT claims).")
        self.invalid_endpoints = self._counter(
            "invalid_endpoints_total", ("source", "reason"),
            "Endpoints dropped as invalid and other source problems, per pass, by source kind "
            "(service, ingress, gateway, virtualservice, crd, httproute, grpcroute, tlsroute, tcproute, udproute, "
            "node, pod, f5-virtualserver, f5-transportserver, routegroup, route, other) and reason.")
        self.reconcile_duration = self._histogram(
            "reconcile_duration_seconds", ("mode",), RECONCILE_BUCKETS,
            "Duration of reconcile passes as the leader (plan and apply), full or incremental.")
        self.event_latency = self._histogram(
            "event_to_dns_latency_seconds", (), LATENCY_BUCKETS,
            "From the first Kubernetes change of an object to Route 53 accepting the record change it caused.")
        self.last_sync_success = self._gauge(
            "last_sync_success_timestamp_seconds", (),
            "Unix time of the last full pass that read every zone and submitted its changes.")
        self.last_pass = self._gauge(
            "last_pass_timestamp_seconds", (),
            "Unix time of the last reconcile pass (full or incremental, successful or not).")
        self.guard_trips = self._counter(
            "deletion_guard_trips_total", ("zone", "zone_id"),
            "Times the mass-deletion guard tripped in the zone: deletions added up over --max-delete-window "
            "would have exceeded --max-delete-fraction.")
        self.guard_engaged = self._gauge(
            "deletion_guard_engaged", ("zone", "zone_id"),
            "1 while the mass-deletion guard holds every deletion in the zone (from its trip until it is "
            "released: docs/troubleshooting.md#mass-deletion-guard), else 0.")
        self.guard_held = self._gauge(
            "deletion_guard_held_deletions", ("zone", "zone_id"),
            "Deletions the tripped mass-deletion guard holds in the zone, as of the last pass that looked.")
        self.build_info = self._gauge(
            "build_info", ("version", "python_version"), "Always 1; labels carry the version.")
        self.build_info.labels(_version(), platform.python_version()).set(1)

        self._components = _Components()
        for spec in self._components.specs():
            self.specs[spec.name] = spec
        self.registry.register(self._components)
        # At 0 from the start for the account without a profile; profiles' series appear with their
        # first call (the metrics exist before the provider's accounts are known).
        for operation in ROUTE53_OPERATIONS:
            for call in CALL_OUTCOMES:
                self.api_calls.labels(operation, call, "default")
        for reason in sorted(CONFLICT_REASONS):
            self.ownership_conflicts.labels(reason)

        self.external_dns = ExternalDnsMetrics(self.registry, version=_version(), wall_clock=wall_clock)
        for edns in EXPORTED.values():
            self.specs[edns.name] = MetricSpec(edns.name, edns.type, edns.labels, edns.help)
        # The process and Python runtime families the default registry has (a dedicated registry
        # starts without them): process_* as external-dns's Go client exports them, python_* for go_*.
        self.runtime: list[MetricSpec] = []
        for collector in (PROCESS_COLLECTOR, PLATFORM_COLLECTOR, GC_COLLECTOR):
            self.registry.register(collector)
            for family in collector.collect():
                spec = MetricSpec(_scraped_name(family), family.type,
                                  tuple(sorted({k for s in family.samples for k in s.labels})), family.documentation)
                self.runtime.append(spec)
                self.specs[spec.name] = spec

    # -- declaring ------------------------------------------------------------------------------

    def _declare(self, name: str, type_: str, labels: tuple[str, ...], help_: str) -> None:
        self.specs[f"{NAMESPACE}_{name}"] = MetricSpec(f"{NAMESPACE}_{name}", type_, labels, help_)

    def _counter(self, name: str, labels: tuple[str, ...], help_: str) -> Counter:
        self._declare(name, "counter", labels, help_)
        return Counter(name, help_, labels, namespace=NAMESPACE, registry=self.registry)

    def _gauge(self, name: str, labels: tuple[str, ...], help_: str) -> Gauge:
        self._declare(name, "gauge", labels, help_)
        return Gauge(name, help_, labels, namespace=NAMESPACE, registry=self.registry)

    def _histogram(self, name: str, labels: tuple[str, ...], buckets: tuple[float, ...], help_: str) -> Histogram:
        self._declare(name, "histogram", labels, help_)
        return Histogram(name, help_, labels, namespace=NAMESPACE, registry=self.registry, buckets=buckets)

    # -- components read at scrape time ---------------------------------------------------------

    def bind(self, *, cache: ClusterCache | None = None, elector: LeaderElector | None = None,
             recorder: EventRecorder | None = None, status: StatusWriter | None = None) -> None:
        """Report the watch restarts of `cache`'s informers, the leadership of `elector` (without one
        this replica always leads), the Events `recorder` dropped and the object status writes of
        `status`, at every scrape."""
        self._components.cache = cache
        self._components.elector = elector
        self._components.recorder = recorder
        self._components.status = status

    # -- MetricsSink ----------------------------------------------------------------------------

    def observe_api_call(self, operation: str, outcome: str, account: str = "default") -> None:
        self.api_calls.labels(operation, outcome, account).inc()

    def observe_api_rate(self, account: str, rate: float) -> None:
        self.api_rate.labels(account).set(rate)

    def observe_latency(self, seconds: float) -> None:
        self.event_latency.observe(max(0.0, seconds))

    def observe_http_request(self, request: HttpRequest) -> None:
        self.external_dns.observe_http_request(request)

    def observe_pass(self, result: PassResult, *, full: bool, duration: float) -> None:
        self.external_dns.observe_pass(result, full=full)
        now = self._wall()
        self.reconcile_duration.labels("full" if full else "incremental").observe(max(0.0, duration))
        self.last_pass.set(now)
        if full and sync_succeeded(result):
            self.last_sync_success.set(now)
        seen: set[tuple[str, str]] = set()
        for outcome in result.zones:
            zone = (outcome.zone.name, outcome.zone.id)
            seen.add(zone)
            self._observe_zone(zone, outcome, full=full)
        if full and result.listed_all:
            # Zones no longer managed (filters changed, zone deleted) must not keep reporting.
            for zone in self._zones - seen:
                for gauge in (self.owned_records, self.guard_engaged, self.guard_held):
                    with contextlib.suppress(KeyError):
                        gauge.remove(*zone)
            self._zones &= seen
        for problem in result.all_problems:
            if problem.reason == GUARD_REASON:
                continue
            if problem.reason in CONFLICT_REASONS:
                self.ownership_conflicts.labels(problem.reason).inc()
            else:
                self.invalid_endpoints.labels(source_kind(problem.subject), problem.reason).inc()

    def _observe_zone(self, zone: tuple[str, str], outcome: ZoneOutcome, *, full: bool) -> None:
        if zone not in self._counted:  # a zone's counters start at 0 the first time it is seen
            self._counted.add(zone)
            self.changes_refused.labels(*zone)
            self.guard_trips.labels(*zone)
            for action in ACTIONS:
                for record_type in self._record_types:
                    self.changes_applied.labels(*zone, action, record_type)
        for change in outcome.applied.applied if outcome.applied else []:
            self.changes_applied.labels(*zone, change.action.value, change.endpoint.type).inc()
        if outcome.failed:
            self.changes_refused.labels(*zone).inc(len(outcome.failed))
        # An incremental pass reads only the names it touches and reports the count kept since the
        # last full pass: trust it only once a full pass has counted the zone.
        if outcome.error is None and (full or zone in self._zones):
            self.owned_records.labels(*zone).set(outcome.owned_after)
            self._zones.add(zone)
        decision = outcome.guard
        if decision is not None:
            if decision.tripped:
                self.guard_trips.labels(*zone).inc()
            self.guard_engaged.labels(*zone).set(0 if decision.state.trip is None else 1)
            self.guard_held.labels(*zone).set(len(decision.state.held))

    # -- the reference ----------------------------------------------------------------------------

    def reference(self) -> list[MetricSpec]:
        """Every metric the registry exposes, in registry order, with its declared labels. Fails when
        something is registered without a declaration, so nothing goes undocumented."""
        out: list[MetricSpec] = []
        for family in self.registry.collect():
            name = _scraped_name(family)
            spec = self.specs.get(name)
            if spec is None:
                raise LookupError(f"metric {name} is registered but not declared")
            if spec.type != family.type:
                raise LookupError(f"metric {name} is declared as a {spec.type} but registered as a {family.type}")
            out.append(spec)
        return out


def _scraped_name(family: Metric) -> str:
    return family.name + "_total" if family.type == "counter" else family.name


class _Components(Collector):
    """Counters other components keep for themselves, read when Prometheus scrapes."""

    def __init__(self) -> None:
        self.cache: ClusterCache | None = None
        self.elector: LeaderElector | None = None
        self.recorder: EventRecorder | None = None
        self.status: StatusWriter | None = None

    @staticmethod
    def specs() -> list[MetricSpec]:
        n = NAMESPACE
        return [
            MetricSpec(f"{n}_leader", "gauge", (),
                       "1 while this replica is the leader and may write to Route 53 (always 1 without "
                       "--leader-elect), else 0."),
            MetricSpec(f"{n}_leader_transitions_total", "counter", (),
                       "Leader changes this replica observed on the Lease (any replica; the first holder "
                       "seen counts)."),
            MetricSpec(f"{n}_watch_restarts_total", "counter", ("kind",),
                       "Kubernetes watches restarted after the first one (timeouts, disconnects, 410 Gone), "
                       "by resource."),
            MetricSpec(f"{n}_kube_events_dropped_total", "counter", ("reason",),
                       "Kubernetes Events not delivered: overflow (queue full, oldest dropped) or failed "
                       "(the API refused them after retries)."),
            MetricSpec(f"{n}_status_updates_total", "counter", ("outcome",),
                       "Object status updates (see `--status-updates`): written, unchanged (the status "
                       "already said it, or it was just written), failed."),
            MetricSpec(f"{n}_status_updates_queued", "gauge", (),
                       "Object status updates waiting to be written (at most half of --kube-api-qps a "
                       "second): after a cold start, one per object."),
        ]

    def describe(self) -> Iterable[Metric]:
        return self._families(empty=True)

    def collect(self) -> Iterable[Metric]:
        return self._families(empty=False)

    def _families(self, *, empty: bool) -> Iterator[Metric]:
        leader, transitions, restarts, dropped, updates, queued = (s.name for s in self.specs())
        helps = {s.name: s.help for s in self.specs()}
        elector = self.elector

        family = GaugeMetricFamily(leader, helps[leader])
        if not empty:
            family.add_metric([], 1.0 if elector is None or elector.is_leader else 0.0)
        yield family

        counter = CounterMetricFamily(transitions.removesuffix("_total"), helps[transitions])
        if not empty:
            counter.add_metric([], float(elector.stats.transitions if elector is not None else 0))
        yield counter

        counter = CounterMetricFamily(restarts.removesuffix("_total"), helps[restarts], labels=["kind"])
        informers = self.cache.informers if self.cache is not None else {}
        if not empty:
            for kind, informer in sorted(informers.items()):
                counter.add_metric([kind], float(informer.restarts))
        yield counter

        counter = CounterMetricFamily(dropped.removesuffix("_total"), helps[dropped], labels=["reason"])
        if not empty:
            stats = self.recorder.stats if self.recorder is not None else None
            counter.add_metric([DROP_REASONS[0]], float(stats.dropped_overflow if stats else 0))
            counter.add_metric([DROP_REASONS[1]], float(stats.failed if stats else 0))
        yield counter

        counter = CounterMetricFamily(updates.removesuffix("_total"), helps[updates], labels=["outcome"])
        gauge = GaugeMetricFamily(queued, helps[queued])
        if not empty:
            writer = self.status
            said = writer.stats if writer is not None else None
            counter.add_metric(["written"], float(said.written if said else 0))
            counter.add_metric(["unchanged"], float(said.unchanged if said else 0))
            counter.add_metric(["failed"], float(said.failed if said else 0))
            gauge.add_metric([], float(writer.pending if writer is not None else 0))
        yield counter
        yield gauge


# -- docs/metrics.md -------------------------------------------------------------------------------

_PREAMBLE = """\
# zonekeeper metrics and health endpoints

<!-- Generated by `uv run python -m zonekeeper.metrics > docs/metrics.md`; do not edit by hand.
     tests/unit/test_metrics.py fails when this file and the code disagree. -->

`zonekeeper run` serves three endpoints on `--metrics-address` (default `:7979`, as external-dns;
`--metrics-address=""` turns the server off; `run --once` never starts it):

- `/metrics`: the metrics below, in the Prometheus text format.
- `/healthz`: `200 ok` while the control loop keeps turning; `503` with the reason once it has not
  completed an iteration (or a zone of a pass) for more than three times `--interval`, and at least
  60 s: a pass stuck on Route 53, a wedged loop. external-dns always answers 200 here; zonekeeper
  tells the truth, so a liveness probe restarts a stuck controller.
- `/readyz`: `200` once every watch has listed its objects and, on the replica that writes DNS, the
  last successful full sync is younger than `--readiness-max-sync-age` (default three times
  `--interval`). A follower under `--leader-elect` does not sync DNS: it is ready once its caches
  are synced. Otherwise `503` with the reason.

Labels are deliberately low-cardinality (zones, operations, outcomes, actions, record types,
source kinds, reasons): record and object names are in the logs and in Kubernetes Events, never in
labels. Counters marked *per pass* count a problem again on every pass that still finds it, so
`increase(...[10m]) > 0` means "still happening".

| metric | type | labels | meaning |
|---|---|---|---|
"""


_EXTERNAL_DNS = """
## external-dns's families

external-dns v0.23.0's metric families are exported too, under external-dns's exact names, types
and labels, so its dashboards and alerts work unchanged. Each is fed from zonekeeper's own passes:

| external-dns family | type | labels | zonekeeper's value |
|---|---|---|---|
"""

_NOT_EXPORTED = """
### Not exported

These external-dns families cannot mean anything for zonekeeper. `tests/compat/test_compat_metrics.py`
scrapes both tools on the same workload: the families only external-dns has must be exactly these.

| family | why not |
|---|---|
"""

_RUNTIME = """
## Process and runtime

The process and Python runtime families of prometheus_client's default collectors:
{names}.
"""


def _labels(labels: tuple[str, ...]) -> str:
    return ", ".join(f"`{label}`" for label in labels) or "—"


def reference_markdown(metrics: Metrics | None = None) -> str:
    """docs/metrics.md, generated from what a fresh `Metrics` registers and the external-dns tables."""
    from zonekeeper.externaldns_metrics import NOT_EXPORTED, RUNTIME_NOT_EXPORTED

    metrics = metrics or Metrics()
    specs = [s for s in metrics.reference() if s.name.startswith(f"{NAMESPACE}_")]
    rows = [f"| `{spec.name}` | {spec.type} | {_labels(spec.labels)} | {spec.help} |" for spec in specs]
    histograms = [s.name for s in specs if s.type == "histogram"]
    tail = (
        "\nHistograms expose `_bucket` (with `le`), `_sum` and `_count` series: "
        + ", ".join(f"`{h}`" for h in histograms)
        + ".\n"
    )
    edns = [f"| `{f.name}` | {f.type} | {_labels(f.labels)} | {f.ours} |" for f in EXPORTED.values()]
    missing = [f"| `{name}` | {reason} |" for name, reason in {**NOT_EXPORTED, **RUNTIME_NOT_EXPORTED}.items()]
    runtime = _RUNTIME.format(names=", ".join(f"`{s.name}`" for s in metrics.runtime))
    return (_PREAMBLE + "\n".join(rows) + "\n" + tail + _EXTERNAL_DNS + "\n".join(edns) + "\n"
            + _NOT_EXPORTED + "\n".join(missing) + "\n" + runtime)


if __name__ == "__main__":  # pragma: no cover
    print(reference_markdown(), end="")
