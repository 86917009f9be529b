"""external-dns v0.23.0 and zonekeeper, running as controllers on the same objects, scraped side by side.

Each tool runs (`external-dns`, `zonekeeper run`; not --once) against the real kube-apiserver and a fresh
copy of the same zone on the strict Route 53 endpoint, until its /metrics shows a second sync (so the
gauges that compare sources with the registry have series). Then the two scrapes are compared:

* the external-dns families zonekeeper lacks must be exactly the documented ones
  (zonekeeper.externaldns_metrics.NOT_EXPORTED, docs/metrics.md) that external-dns exposed;
* every family both expose has the same type and the same label names;
* the runtime families zonekeeper lacks are the documented Go-only ones;
* what a sync counted (endpoints and records by type, verified, owner mismatches, errors) has the same
  values on both sides, but for the one documented difference (external-dns counts the apex NS).

The zone is seeded with a record of nobody's (an AAAA at a name the catalogue publishes an A at), so
both tools skip a create for an owner mismatch and that gauge has a series on both sides.
"""

from __future__ import annotations

import re
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.external_dns import Controllers
from tests.support.kube import KubeCluster
from zonekeeper.externaldns_metrics import NOT_EXPORTED, RUNTIME_NOT_EXPORTED, runtime_not_exported

from .objects import EXTERNAL_DNS_ONLY_ARGS, ZONE, catalogue, shared_args

pytestmark = [pytest.mark.kube, pytest.mark.integration, pytest.mark.timeout(420)]

NAMESPACE = "compat-metrics"
OWNER = "compat"
SYNC_TIMEOUT = 150.0
# Gauge and counter vectors Go's client leaves out of a scrape until they have a series; external-dns
# fills these only with a provider cache, duplicate endpoints or invalid ones, none of which this
# workload has. The other NOT_EXPORTED families are plain and always scraped.
VECTORS_LEFT_EMPTY = {"external_dns_provider_cache_records_calls", "external_dns_source_deduplicated_endpoints",
                      "external_dns_source_invalid_endpoints"}

Scrape = dict[str, tuple[str, frozenset[frozenset[str]]]]  # family -> (type, label-name sets of its series)

_TYPE = re.compile(r"# TYPE (\S+) (\S+)")
_SAMPLE = re.compile(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? \S+")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="(?:[^"\\]|\\.)*"')
_SUFFIXES = ("", "_sum", "_count", "_bucket", "_total", "_created")


def parse(text: str) -> Scrape:
    """Families by the name their TYPE line gives (as exposed: `_total` included where the tool writes
    it), with the label names of each series (`quantile` and `le` are a summary's and a histogram's own)."""
    types: dict[str, str] = {}
    labels: dict[str, set[frozenset[str]]] = {}
    for line in text.splitlines():
        typed = _TYPE.fullmatch(line)
        if typed:
            types[typed[1]] = typed[2]
            labels.setdefault(typed[1], set())
            continue
        sample = _SAMPLE.fullmatch(line)
        if line.startswith("#") or sample is None:
            continue
        family = next((sample[1].removesuffix(s) for s in _SUFFIXES if sample[1].removesuffix(s) in types), None)
        if family is not None:
            names = frozenset(_LABEL.findall(sample[2] or "")) - {"quantile", "le"}
            labels[family].add(names)
    return {name: (types[name], frozenset(labels[name])) for name in types}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def scrape(port: int) -> str | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
            return str(response.read().decode())
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def synced_twice(text: str) -> bool:
    """A sync has completed and the next one compared sources with a non-empty registry."""
    stamp = re.search(r"^external_dns_controller_last_sync_timestamp_seconds (\S+)$", text, re.M)
    verified = re.search(r"^external_dns_controller_verified_records\{", text, re.M)
    return stamp is not None and float(stamp[1]) > 0 and verified is not None


def values(text: str, prefix: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """(series name, labels) -> value of every series whose name starts with `prefix`."""
    out = {}
    for line in text.splitlines():
        sample = _SAMPLE.fullmatch(line)
        if sample is not None and not line.startswith("#") and sample[1].startswith(prefix):
            labels = frozenset(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"', sample[2] or ""))
            out[(sample[1], labels)] = float(line.rsplit(" ", 1)[1])
    return out


def run_until_synced(controllers: Controllers, tool: str, args: list[str], log: Path,
                     seed: Callable[[], None]) -> str:
    seed()
    port = free_port()
    with controllers.serving(tool, log, *args, f"--metrics-address=127.0.0.1:{port}", "--interval=5s") as proc:
        deadline = time.monotonic() + SYNC_TIMEOUT
        while time.monotonic() < deadline:
            assert proc.poll() is None, f"{tool} exited {proc.returncode}:\n{log.read_text()[-6000:]}"
            text = scrape(port)
            if text is not None and synced_twice(text):
                return text
            time.sleep(1.0)
    raise AssertionError(f"{tool} did not sync twice within {SYNC_TIMEOUT}s:\n{log.read_text()[-6000:]}")


@pytest.fixture(scope="module")
def scrapes(controllers: Controllers, kube_cluster: KubeCluster, tmp_path_factory: pytest.TempPathFactory
            ) -> tuple[str, str]:
    kube_cluster.ensure_namespace(NAMESPACE)
    kube_cluster.apply(catalogue(NAMESPACE))
    args = shared_args(str(kube_cluster.admin_kubeconfig), NAMESPACE, OWNER)
    r53 = controllers.route53

    def seed() -> None:
        r53.reset()
        zone_id = r53.create_zone(ZONE)
        r53.harness.change_resource_record_sets(HostedZoneId=zone_id, ChangeBatch={"Changes": [{
            "Action": "CREATE", "ResourceRecordSet": {
                "Name": f"ip4.{ZONE}.", "Type": "AAAA", "TTL": 300, "ResourceRecords": [{"Value": "2001:db8::99"}]}}]})

    logs = tmp_path_factory.mktemp("compat-metrics")
    theirs = run_until_synced(controllers, "external-dns", [*args, *EXTERNAL_DNS_ONLY_ARGS], logs / "external-dns.log",
                              seed)
    ours = run_until_synced(controllers, "zonekeeper", args, logs / "zonekeeper.log", seed)
    r53.reset()
    return theirs, ours


def test_the_external_dns_families_zonekeeper_lacks_are_exactly_the_documented_ones(
        scrapes: tuple[str, str]) -> None:
    theirs, ours = map(parse, scrapes)
    families = {name for name in theirs if name.startswith("external_dns_")}
    assert len(families) >= 18, sorted(families)  # a real scrape, not an empty page
    assert families - set(ours) == set(NOT_EXPORTED) & families
    # Every documented family is one external-dns has: exposed here, or a vector this workload leaves empty.
    assert set(NOT_EXPORTED) - families <= VECTORS_LEFT_EMPTY


def test_shared_families_have_the_same_type_and_label_names(scrapes: tuple[str, str]) -> None:
    theirs, ours = map(parse, scrapes)
    shared = sorted(set(theirs) & set(ours))
    assert "external_dns_registry_skipped_records_owner_mismatch_per_sync" in shared
    assert "external_dns_http_request_duration_seconds" in shared
    assert "process_resident_memory_bytes" in shared
    differ = {name: (theirs[name], ours[name]) for name in shared if theirs[name] != ours[name]}
    assert not differ, "\n".join(f"{n}: external-dns {a} | zonekeeper {b}" for n, (a, b) in differ.items())


def test_the_runtime_families_zonekeeper_lacks_are_the_documented_go_only_ones(
        scrapes: tuple[str, str]) -> None:
    theirs, ours = map(parse, scrapes)
    missing = {name for name in set(theirs) - set(ours) if not name.startswith("external_dns_")}
    assert missing and not {n for n in missing if not runtime_not_exported(n)}, sorted(missing)
    listed = {name for name in RUNTIME_NOT_EXPORTED if not name.endswith("*")}
    assert listed <= missing  # the list is not stale
    assert any(name.startswith("python_") for name in ours)


# What a sync counted, compared value by value (timestamps and run counters depend on timing, not on
# the workload, and are left out).
CENSUS = ("external_dns_source_endpoints_total", "external_dns_source_records", "external_dns_registry_records",
          "external_dns_registry_endpoints_total", "external_dns_controller_verified_records",
          "external_dns_registry_skipped_records_owner_mismatch_per_sync", "external_dns_registry_errors_total",
          "external_dns_source_errors_total", "external_dns_controller_consecutive_soft_errors")


def test_both_count_the_same_workload_alike(scrapes: tuple[str, str]) -> None:
    theirs = {k: v for k, v in values(scrapes[0], "external_dns_").items() if k[0] in CENSUS}
    ours = {k: v for k, v in values(scrapes[1], "external_dns_").items() if k[0] in CENSUS}
    # The one documented difference: external-dns's registry also returns the zone's apex NS (Route 53's own).
    apex_ns = ("external_dns_registry_records", frozenset({("record_type", "ns")}))
    assert theirs.pop(apex_ns) == 1
    endpoints = ("external_dns_registry_endpoints_total", frozenset())
    assert theirs[endpoints] - ours[endpoints] == 1
    theirs[endpoints] = ours[endpoints]
    assert ours[("external_dns_source_endpoints_total", frozenset())] > 10  # the catalogue, not nothing
    assert theirs == ours
