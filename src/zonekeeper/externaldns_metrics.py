"""external-dns v0.23.0's metric families, under their own names, beside zonekeeper's richer ones.

Dashboards and alerts written for external-dns keep working: each family that means something
for zonekeeper has external-dns's exact name, type, labels and meaning (`EXPORTED`, with what feeds
it); each that cannot is listed with the reason (`NOT_EXPORTED`). docs/metrics.md is generated from
both tables, and tests/compat compares a scrape of both tools with them.

Label values are lower case where external-dns lower-cases them (its gauge vectors).
"""

from __future__ import annotations

import math
import platform
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from prometheus_client import CollectorRegistry, Counter, Gauge
from prometheus_client.core import Metric, SummaryMetricFamily
from prometheus_client.registry import Collector

from zonekeeper.providers.base import HttpRequest

if TYPE_CHECKING:
    from zonekeeper.pipeline import PassResult

PREFIX = "external_dns"


@dataclass(slots=True, frozen=True)
class Family:
    """One external-dns family as scraped: name, type, labels, external-dns's meaning, and what of
    zonekeeper's feeds it."""

    name: str
    type: str
    labels: tuple[str, ...]
    help: str
    ours: str


def _f(name: str, type_: str, labels: tuple[str, ...], help_: str, ours: str) -> Family:
    return Family(f"{PREFIX}_{name}", type_, labels, help_, ours)


EXPORTED: Mapping[str, Family] = {f.name: f for f in (
    _f("build_info", "gauge", ("arch", "go_version", "os", "revision", "version"),
       "A metric with a constant '1' value labeled with version, revision, go_version, os and arch.",
       "Always 1; `version` is zonekeeper's, `os` and `arch` in Go's spelling, `go_version` and `revision` "
       "empty (see `zonekeeper_build_info`)."),
    _f("controller_consecutive_soft_errors", "gauge", (),
       "Number of consecutive soft errors in reconciliation loop.",
       "Consecutive passes that could not list the zones, read or apply a zone (every such error is soft "
       "for zonekeeper: the loop never exits on it); 0 after a pass without one."),
    _f("controller_last_reconcile_timestamp_seconds", "gauge", (),
       "Timestamp of last attempted sync with the DNS provider",
       "Unix time of the last pass, full or incremental (`zonekeeper_last_pass_timestamp_seconds`)."),
    _f("controller_last_sync_timestamp_seconds", "gauge", (),
       "Timestamp of last successful sync with the DNS provider",
       "Unix time of the last full pass that read every zone and had every change accepted (a refused change "
       "fails external-dns's sync too; `zonekeeper_last_sync_success_timestamp_seconds` does not count it)."),
    _f("controller_no_op_runs_total", "counter", (),
       "Number of reconcile loops ending up with no changes on the DNS provider side.",
       "Passes (full or incremental) that read their zones and planned no change."),
    _f("controller_verified_records", "gauge", ("record_type",),
       "Number of DNS records that exists both in source and registry (vector).",
       "Source endpoints whose name and type the registry holds, as of the last full pass."),
    _f("http_request_duration_seconds", "summary", ("handler", "host", "method", "path", "scheme", "status"),
       "The HTTP request latencies in seconds.",
       "Every Route 53 HTTP attempt (retries included), from sending to the answer; `path` is the URL's last "
       "segment, `handler` is `instrumented_http`; quantiles 0.5, 0.9, 0.99 over the last 10 minutes."),
    _f("registry_endpoints_total", "gauge", (),
       "Number of Endpoints in the registry",
       "Records the registry read in the managed zones at the last full pass (ownership TXTs not counted, as in "
       "external-dns; nor the zone's apex NS, Route 53's own, which external-dns counts)."),
    _f("registry_errors_total", "counter", (),
       "Number of Registry errors.",
       "Passes in which the zones could not be listed, a zone could not be read or applied, or Route 53 "
       "refused a change."),
    _f("registry_records", "gauge", ("record_type",),
       "Number of registry records partitioned by label name (vector).",
       "`external_dns_registry_endpoints_total` by record type."),
    _f("registry_skipped_records_owner_mismatch_per_sync", "gauge", ("domain", "foreign_owner", "owner", "record_type"),
       "Number of records skipped with owner mismatch for each record type, owner mismatch ID and domain (vector).",
       "Foreign records that kept a create away at the last full pass (`domain`: the name without its first "
       "label); each is also an `OwnedByOther` problem."),
    _f("source_endpoints_total", "gauge", (),
       "Number of Endpoints in all sources",
       "Endpoints every source produced at the last full pass (identical endpoints of several objects count "
       "once each; external-dns merges them first)."),
    _f("source_errors_total", "counter", (),
       "Number of Source errors.",
       "Stays 0: a zonekeeper source never fails as a whole (a bad object is a problem of that object, "
       "`zonekeeper_invalid_endpoints_total`; the watches retry on their own)."),
    _f("source_records", "gauge", ("record_type",),
       "Number of source records partitioned by label name (vector).",
       "`external_dns_source_endpoints_total` by record type."),
)}

_WEBHOOK = "zonekeeper has no webhook provider: it talks to Route 53 itself (`zonekeeper_route53_api_calls_total`)."
_CACHE = ("zonekeeper has no --provider-cache-time wrapper: its record cache is kept current from what it "
          "applied; `zonekeeper_route53_api_calls_total` shows the reads it saves.")
NOT_EXPORTED: Mapping[str, str] = {
    f"{PREFIX}_provider_cache_apply_changes_calls": _CACHE,
    f"{PREFIX}_provider_cache_records_calls": _CACHE,
    f"{PREFIX}_source_deduplicated_endpoints": (
        "zonekeeper removes no endpoint at the source: objects asking for one record share it in the planner "
        "(their targets joined, as external-dns merges them) or are a `Conflict` "
        "(`zonekeeper_ownership_conflicts_total`)."),
    f"{PREFIX}_source_invalid_endpoints": (
        "zonekeeper rejects bad input before it is an endpoint (an annotation, a hostname, a target), so there "
        "is no record type to label it with; `zonekeeper_invalid_endpoints_total{source,reason}` counts it."),
    **{f"{PREFIX}_webhook_provider_{n}": _WEBHOOK for n in (
        "records_errors_total", "records_requests_total", "applychanges_errors_total", "applychanges_requests_total",
        "adjustendpoints_errors_total", "adjustendpoints_requests_total")},
}

# Runtime families of external-dns's Go client that a Python process cannot have; a name ending in
# `*` stands for every family with that prefix.
RUNTIME_NOT_EXPORTED: Mapping[str, str] = {
    "go_*": "Go runtime families; zonekeeper exports the Python runtime's (`python_info`, `python_gc_*`) instead.",
    "process_network_receive_bytes_total": "not read by prometheus_client's process collector.",
    "process_network_transmit_bytes_total": "not read by prometheus_client's process collector.",
    "process_virtual_memory_max_bytes": "not read by prometheus_client's process collector.",
    "promhttp_*": "Go's promhttp handler counting the scrapes it serves; zonekeeper's /metrics does not count them.",
}


def runtime_not_exported(name: str) -> bool:
    return any(name.startswith(k[:-1]) if k.endswith("*") else name == k for k in RUNTIME_NOT_EXPORTED)


# external-dns's summary: these quantiles over a 10-minute window.
QUANTILES = (0.5, 0.9, 0.99)
WINDOW_SECONDS = 600.0
_WINDOW_SAMPLES = 1000  # per label set: enough for the 0.99 quantile, bounded memory
_GO_ARCH = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


def last_segment(path: str) -> str:
    """external-dns's `PathProcessor`: the path's last segment ("" after a trailing slash)."""
    return path.rsplit("/", 1)[-1]


class ExternalDnsMetrics:
    """The `EXPORTED` families on `registry`, fed from passes and HTTP attempts."""

    def __init__(self, registry: CollectorRegistry, *, version: str, wall_clock: Callable[[], float]) -> None:
        self._wall = wall_clock
        self._soft_errors = 0

        def gauge(name: str) -> Gauge:
            spec = EXPORTED[f"{PREFIX}_{name}"]
            return Gauge(spec.name, spec.help, spec.labels, registry=registry)

        def counter(name: str) -> Counter:
            spec = EXPORTED[f"{PREFIX}_{name}_total"]
            return Counter(spec.name, spec.help, registry=registry)

        gauge("build_info").labels(_GO_ARCH.get(platform.machine().lower(), platform.machine().lower()), "",
                                   platform.system().lower(), "", version).set(1)
        self.soft_errors = gauge("controller_consecutive_soft_errors")
        self.last_reconcile = gauge("controller_last_reconcile_timestamp_seconds")
        self.last_sync = gauge("controller_last_sync_timestamp_seconds")
        self.no_op_runs = counter("controller_no_op_runs")
        self.verified = gauge("controller_verified_records")
        self.registry_endpoints = gauge("registry_endpoints_total")
        self.registry_errors = counter("registry_errors")
        self.registry_records = gauge("registry_records")
        self.owner_mismatch = gauge("registry_skipped_records_owner_mismatch_per_sync")
        self.source_endpoints = gauge("source_endpoints_total")
        self.source_errors = counter("source_errors")
        self.source_records = gauge("source_records")
        self.http = _Summary(EXPORTED[f"{PREFIX}_http_request_duration_seconds"])
        registry.register(self.http)

    def observe_http_request(self, request: HttpRequest) -> None:
        self.http.observe(("instrumented_http", request.host, request.method, last_segment(request.path),
                           request.scheme, request.status), request.seconds)

    def observe_pass(self, result: PassResult, *, full: bool) -> None:
        self.last_reconcile.set(self._wall())
        failed = result.error is not None or any(z.error is not None or z.failed for z in result.zones)
        if failed:
            self._soft_errors += 1
            self.registry_errors.inc()
        else:
            self._soft_errors = 0
            if not any(z.plan.changes for z in result.zones):
                self.no_op_runs.inc()
            if full:
                self.last_sync.set(self._wall())
        self.soft_errors.set(self._soft_errors)
        census = result.census
        if not full or census is None:
            return
        self.source_endpoints.set(census.source_total)
        self.registry_endpoints.set(census.registry_total)
        _replace(self.source_records, ((k,) for k in census.source_by_type), census.source_by_type.values())
        _replace(self.registry_records, ((k,) for k in census.registry_by_type), census.registry_by_type.values())
        _replace(self.verified, ((k,) for k in census.verified_by_type), census.verified_by_type.values())
        # Our key is (record type, owner, foreign owner, domain); the gauge's labels are in name order.
        _replace(self.owner_mismatch, ((d, f, o, t) for t, o, f, d in census.owner_mismatch),
                 census.owner_mismatch.values())


def _replace(gauge: Gauge, labels: Iterable[tuple[str, ...]], values: Iterable[int]) -> None:
    """Every series of `gauge` replaced: a label set gone since the last pass is gone (external-dns
    resets these vectors every sync)."""
    gauge.clear()
    for label_values, count in zip(labels, values, strict=True):
        gauge.labels(*label_values).set(count)


class _Summary(Collector):
    """A summary with quantiles, as Go's client keeps them (prometheus_client's has none): count and
    sum since start, quantiles over the observations of the last `WINDOW_SECONDS`."""

    def __init__(self, family: Family, clock: Callable[[], float] = time.monotonic) -> None:
        self._family = family
        self._clock = clock
        self._lock = threading.Lock()
        self._series: dict[tuple[str, ...], _Series] = {}

    def observe(self, label_values: tuple[str, ...], seconds: float) -> None:
        with self._lock:
            series = self._series.setdefault(label_values, _Series())
            series.add(self._clock(), max(0.0, seconds))

    def describe(self) -> Iterable[Metric]:
        return [SummaryMetricFamily(self._family.name, self._family.help, labels=self._family.labels)]

    def collect(self) -> Iterator[Metric]:
        family = SummaryMetricFamily(self._family.name, self._family.help, labels=self._family.labels)
        now = self._clock()
        with self._lock:
            snapshot = [(labels, s.count, s.sum, s.quantiles(now)) for labels, s in sorted(self._series.items())]
        names = self._family.labels
        for labels, count, total, quantiles in snapshot:
            for q, v in zip(QUANTILES, quantiles, strict=True):
                family.add_sample(self._family.name, dict(zip(names, labels, strict=True)) | {"quantile": str(q)}, v)
            family.add_metric(list(labels), count, total)
        yield family


class _Series:
    __slots__ = ("count", "recent", "sum")

    def __init__(self) -> None:
        self.count = 0
        self.sum = 0.0
        self.recent: deque[tuple[float, float]] = deque(maxlen=_WINDOW_SAMPLES)

    def add(self, now: float, value: float) -> None:
        self.count += 1
        self.sum += value
        self.recent.append((now, value))

    def quantiles(self, now: float) -> list[float]:
        while self.recent and now - self.recent[0][0] > WINDOW_SECONDS:
            self.recent.popleft()
        values = sorted(v for _, v in self.recent)
        if not values:
            return [math.nan] * len(QUANTILES)  # as Go reports a quantile of an empty window
        # The nearest-rank quantile: the smallest value with at least q of the observations at or below it.
        return [values[min(len(values) - 1, max(0, math.ceil(q * len(values)) - 1))] for q in QUANTILES]


__all__ = ["EXPORTED", "NOT_EXPORTED", "RUNTIME_NOT_EXPORTED", "ExternalDnsMetrics", "Family", "last_segment",
           "runtime_not_exported"]
