"""external-dns v0.23.0 and zonekeeper with --create-ptr: a forward zone and a reverse zone on the strict
Route 53, the same Services, the same arguments. Both write a PTR for each address inside the reverse
zone (one record set for an address several Services share), with TXT ownership, and taking over either
way changes nothing for zonekeeper. An address outside every reverse zone gets no PTR from either (and no
complaint).

external-dns's own defect, measured here: its AWS provider does not read PTR records back
(`SupportedRecordType`: A, AAAA, CNAME, DNAME, SRV, TXT, NS, MX, NAPTR), so every run after the first plans
each PTR as new and sends a CREATE that Route 53 refuses (twice: the batch, then alone) -- on its own zone
as on zonekeeper's. zonekeeper reads them and sends nothing (docs/migration.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pytest

from tests.support.external_dns import (
    EXTERNAL_DNS_KEY,
    ZONEKEEPER_KEY,
    Controllers,
    RecordSet,
    Run,
    differences,
    record_sets,
)
from tests.support.kube import KubeCluster

from .objects import GA, ZONE, service, shared_args

pytestmark = [pytest.mark.kube, pytest.mark.integration, pytest.mark.timeout(300)]

NAMESPACE = "compat-ptr"
OWNER = "compat"
REVERSE = "2.0.192.in-addr.arpa"

# Written out by hand from the objects: each address's reverse name -> the names that use it.
EXPECTED_PTR = {
    "81.2.0.192.in-addr.arpa": ("web-ptr.example.com", "www-ptr.example.com"),
    "82.2.0.192.in-addr.arpa": ("api-ptr.example.com",),
}


def objects(ns: str) -> list[dict[str, Any]]:
    h = GA + "hostname"
    return [service("web-ptr", ns, {h: "web-ptr.example.com"}, "192.0.2.81"),
            service("www-ptr", ns, {h: "www-ptr.example.com"}, "192.0.2.81"),
            service("api-ptr", ns, {h: "api-ptr.example.com"}, "192.0.2.82"),
            service("far-ptr", ns, {h: "far-ptr.example.com"}, "203.0.113.83")]  # no reverse zone for it


@dataclass(frozen=True)
class Outcome:
    external_dns: Run
    external_dns_records: frozenset[RecordSet]
    again_changes: list[dict[str, Any]]  # external-dns's second run on its own zone
    again_records: frozenset[RecordSet]
    takeover_plan: Run
    takeover_changes: list[dict[str, Any]]
    zonekeeper: Run
    zonekeeper_records: frozenset[RecordSet]
    back_changes: list[dict[str, Any]]


def _zones(controllers: Controllers) -> dict[str, str]:
    controllers.route53.reset()
    return {name: controllers.route53.create_zone(name) for name in (ZONE, REVERSE)}


def _records(controllers: Controllers, zones: dict[str, str]) -> frozenset[RecordSet]:
    return frozenset().union(*(record_sets(controllers.route53, zone_id, name) for name, zone_id in zones.items()))


@pytest.fixture(scope="module")
def outcome(controllers: Controllers, kube_cluster: KubeCluster) -> Outcome:
    kube_cluster.ensure_namespace(NAMESPACE)
    kube_cluster.apply(objects(NAMESPACE))
    args: Sequence[str] = [*shared_args(str(kube_cluster.admin_kubeconfig), NAMESPACE, OWNER),
                           f"--domain-filter={REVERSE}", "--managed-record-types=A", "--managed-record-types=AAAA",
                           "--managed-record-types=CNAME", "--managed-record-types=PTR", "--create-ptr"]
    zones = _zones(controllers)
    external_dns = controllers.external_dns("--once", *args)
    external_dns_records = _records(controllers, zones)
    sent = len(controllers.changes_sent(EXTERNAL_DNS_KEY))
    controllers.external_dns("--once", *args)
    again_changes = controllers.changes_sent(EXTERNAL_DNS_KEY)[sent:]
    again_records = _records(controllers, zones)
    takeover_plan = controllers.zonekeeper("plan", "--detailed-exitcode", *args)
    controllers.zonekeeper("run", "--once", *args)
    takeover_changes = controllers.changes_sent(ZONEKEEPER_KEY)
    zones = _zones(controllers)
    zonekeeper = controllers.zonekeeper("run", "--once", *args)
    zonekeeper_records = _records(controllers, zones)
    controllers.external_dns("--once", *args)
    back_changes = controllers.changes_sent(EXTERNAL_DNS_KEY)
    controllers.route53.reset()
    return Outcome(external_dns, external_dns_records, again_changes, again_records, takeover_plan, takeover_changes, zonekeeper,
                   zonekeeper_records, back_changes)


def test_external_dns_writes_a_ptr_for_each_address_in_the_reverse_zone(outcome: Outcome) -> None:
    assert outcome.external_dns.code == 0, outcome.external_dns
    ptrs = {r.name: r.values for r in outcome.external_dns_records if r.type == "PTR"}
    assert ptrs == EXPECTED_PTR, outcome.external_dns


def test_zonekeeper_writes_the_same_record_sets(outcome: Outcome) -> None:
    assert outcome.zonekeeper.code == 0, outcome.zonekeeper  # far-ptr's missing reverse zone is no problem
    found = differences(outcome.external_dns_records, outcome.zonekeeper_records)
    assert not found, "\n".join(found.values())
    assert {r.name for r in outcome.zonekeeper_records if r.type == "TXT" and "in-addr" in r.name} == {
        f"ptr-{name}" for name in EXPECTED_PTR}  # each PTR has its ownership record


def test_external_dns_cannot_read_its_ptr_records_back(outcome: Outcome) -> None:
    creates = sorted((c["Action"], c["ResourceRecordSet"]["Name"], c["ResourceRecordSet"]["Type"])
                     for c in outcome.again_changes)
    assert creates == sorted([("CREATE", name, "PTR") for name in EXPECTED_PTR] * 2)  # refused, then retried
    assert outcome.again_records == outcome.external_dns_records  # Route 53 refused them: nothing changed


def test_taking_over_sends_no_change_and_going_back_only_external_dns_s_own_ptr_creates(outcome: Outcome) -> None:
    assert outcome.takeover_plan.code == 0, outcome.takeover_plan
    assert outcome.takeover_changes == []
    key = [(c["Action"], c["ResourceRecordSet"]["Name"], c["ResourceRecordSet"]["Type"]) for c in outcome.back_changes]
    assert sorted(key) == sorted((c["Action"], c["ResourceRecordSet"]["Name"], c["ResourceRecordSet"]["Type"])
                                 for c in outcome.again_changes)
