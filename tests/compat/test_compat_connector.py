"""external-dns v0.23.0 and zonekeeper with --source=connector --once, reading the same connector server
(tests/connector: external-dns's own endpoint package through encoding/gob) on the strict Route 53: the
same record sets, and each takes over the other's zone without a change."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import pytest

from tests.support.connector import MISSING, SERVER, serving
from tests.support.external_dns import Comparison, Controllers
from tests.support.kube import KubeCluster

from .objects import EXTERNAL_DNS_ONLY_ARGS, ZONE, shared_args

pytestmark = [pytest.mark.kube, pytest.mark.integration, pytest.mark.timeout(300),
              pytest.mark.skipif(not SERVER.exists(), reason=MISSING)]

# What the server serves: two entries of one A record (merged), a multi-target AAAA with a TTL, a CNAME,
# an alias to an ELB, weighted records (set identifiers), a TXT (not a managed type: left alone by both)
# and one outside the zone (filtered by both). Not here: an A without targets, which external-dns sends
# (Route 53 refuses its batch, exit 1) and zonekeeper refuses itself (MissingTargets, exit 3).
SERVED = [
    {"dnsName": "web.example.com", "targets": ["10.0.0.2"], "recordType": "A", "labels": {"team": "blue"}},
    {"dnsName": "web.example.com", "targets": ["10.0.0.1", "10.0.0.2"], "recordType": "A"},
    {"dnsName": "v6.example.com", "targets": ["2001:db8::2", "2001:db8::1"], "recordType": "AAAA",
     "recordTTL": 120},
    {"dnsName": "www.example.com", "targets": ["web.example.com"], "recordType": "CNAME", "recordTTL": 300},
    {"dnsName": "lb.example.com", "targets": ["k8s-web-nlb1-0123456789-abcdef0123456789.elb.us-east-1.amazonaws.com"],
     "recordType": "CNAME", "providerSpecific": [{"name": "alias", "value": "true"}]},
    {"dnsName": "w.example.com", "targets": ["10.1.0.1"], "recordType": "A", "setIdentifier": "blue",
     "providerSpecific": [{"name": "aws/weight", "value": "10"}]},
    {"dnsName": "w.example.com", "targets": ["10.1.0.2"], "recordType": "A", "setIdentifier": "green",
     "providerSpecific": [{"name": "aws/weight", "value": "90"}]},
    {"dnsName": "txt.example.com", "targets": ["v=1"], "recordType": "TXT"},
    {"dnsName": "other.example.net", "targets": ["10.9.9.9"], "recordType": "A"},
]


@pytest.fixture(scope="module")
def connector_address(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("connector") / "endpoints.json"
    data.write_text(json.dumps(SERVED))
    with serving(data) as (address, _):
        yield address


@pytest.fixture(scope="module")
def outcome(controllers: Controllers, kube_cluster: KubeCluster, connector_address: str) -> Comparison:
    kube_cluster.ensure_namespace("compat-connector")
    args = [a for a in shared_args(str(kube_cluster.admin_kubeconfig), "compat-connector", "compat")
            if not a.startswith("--source=")] + ["--source=connector",
                                                 f"--connector-source-server={connector_address}"]
    return controllers.compare(ZONE, [*args, *EXTERNAL_DNS_ONLY_ARGS], args)


def _published(records: frozenset[object]) -> list[str]:
    return sorted(str(r) for r in records if getattr(r, "type", "") not in ("SOA", "NS"))


def test_both_publish_the_same_record_sets(outcome: Comparison) -> None:
    assert (outcome.external_dns.code, outcome.zonekeeper.code) == (0, 0), (outcome.external_dns, outcome.zonekeeper)
    assert not outcome.differences(), outcome.differences()
    assert outcome.external_dns_records == outcome.zonekeeper_records
    names = {(r.name, r.type) for r in outcome.zonekeeper_records}
    assert {("web.example.com", "A"), ("v6.example.com", "AAAA"), ("www.example.com", "CNAME"),
            ("lb.example.com", "A"), ("w.example.com", "A")} <= names, _published(outcome.zonekeeper_records)
    assert not {n for n, _ in names if n.startswith(("txt.", "other."))}
    print(f"identical record sets: {len(_published(outcome.zonekeeper_records))}")


def test_takeover_both_ways_changes_nothing(outcome: Comparison) -> None:
    assert (outcome.takeover_plan.code, outcome.takeover_run.code, outcome.back_run.code) == (0, 0, 0), \
        (outcome.takeover_plan, outcome.takeover_run, outcome.back_run)
    assert outcome.takeover_changes == outcome.back_changes == []


def test_a_server_that_is_down_fails_both_and_nothing_is_written(controllers: Controllers,
                                                                  kube_cluster: KubeCluster) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        down = f"127.0.0.1:{s.getsockname()[1]}"
    kube_cluster.ensure_namespace("compat-connector")
    args = [a for a in shared_args(str(kube_cluster.admin_kubeconfig), "compat-connector", "compat")
            if not a.startswith("--source=")] + ["--source=connector", f"--connector-source-server={down}"]
    zone_id = controllers.route53.create_zone(ZONE)
    try:
        external_dns = controllers.external_dns("--once", *args, *EXTERNAL_DNS_ONLY_ARGS)
        plan = controllers.zonekeeper("plan", *args)
        run = controllers.zonekeeper("run", "--once", *args)
        assert external_dns.code != 0, external_dns
        assert (plan.code, run.code) == (1, 1), (plan, run)
        assert down in plan.output and down in run.output, (plan, run)
        assert [r for r in controllers.route53.records(zone_id) if r["Type"] not in ("SOA", "NS")] == []
    finally:
        controllers.route53.reset()
