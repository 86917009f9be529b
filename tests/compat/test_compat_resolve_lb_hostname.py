"""external-dns v0.23.0 and zonekeeper with --resolve-service-load-balancer-hostname: LoadBalancer
Services' status hostnames published as the addresses they resolve to. The names need no network:
`localhost` is in /etc/hosts, a `.invalid` name never resolves (RFC 6761)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.external_dns import Comparison, Controllers
from tests.support.kube import KubeCluster

from .objects import EXTERNAL_DNS_ONLY_ARGS, GA, ZONE, service, shared_args

pytestmark = [pytest.mark.kube, pytest.mark.integration, pytest.mark.timeout(300)]

NAMESPACE = "compat-resolve"
OWNER = "compat"
FLAG = "--resolve-service-load-balancer-hostname"

# Written out by hand from the objects (not read from either tool).
EXPECTED = {
    ("lb.example.com", "A"): ("127.0.0.1",),
    ("mixed.example.com", "A"): ("127.0.0.1", "192.0.2.171"),  # the entry's IP and its hostname's
    ("ext.example.com", "A"): ("192.0.2.172",),  # spec.externalIPs still win
}


def objects(ns: str) -> list[dict[str, object]]:
    h = GA + "hostname"
    mixed = service("mixed", ns, {h: "mixed.example.com"})
    mixed["status"] = {"loadBalancer": {"ingress": [{"ip": "192.0.2.171", "hostname": "localhost"}]}}
    ext = service("ext", ns, {h: "ext.example.com"}, "localhost")
    ext["spec"]["externalIPs"] = ["192.0.2.172"]  # type: ignore[index]
    return [service("lb", ns, {h: "lb.example.com"}, "localhost"), mixed, ext,
            service("gone", ns, {h: "gone.example.com"}, "nothing-here.invalid")]


@pytest.fixture(scope="module")
def args(kube_cluster: KubeCluster) -> Iterator[list[str]]:
    kube_cluster.ensure_namespace(NAMESPACE)
    kube_cluster.apply(objects(NAMESPACE))
    yield [*shared_args(str(kube_cluster.admin_kubeconfig), NAMESPACE, OWNER), FLAG]


@pytest.fixture(scope="module")
def outcome(controllers: Controllers, args: list[str]) -> Comparison:
    return controllers.compare(ZONE, [*args, *EXTERNAL_DNS_ONLY_ARGS], args)


def test_external_dns_publishes_the_resolved_addresses(outcome: Comparison) -> None:
    assert outcome.external_dns.code == 0, outcome.external_dns
    got = {(r.name, r.type): r.values for r in outcome.external_dns_records if r.type != "TXT"}
    assert got == EXPECTED, outcome.external_dns


def test_zonekeeper_writes_the_same_record_sets(outcome: Comparison) -> None:
    # external-dns logs the unresolvable name; zonekeeper reports it against the Service, and an object
    # left alone with a problem makes `run --once` exit 3 (exitcodes.REFUSED).
    assert outcome.zonekeeper.code == 3, outcome.zonekeeper
    assert "reason=UnresolvableHostname subject=service/compat-resolve/gone" in outcome.zonekeeper.output
    found = outcome.differences()
    assert not found, "\n".join(found.values())
    assert len(outcome.zonekeeper_records) == 2 * len(EXPECTED)  # each record and its TXT


def test_takeover_from_external_dns_plans_and_sends_no_change(outcome: Comparison) -> None:
    assert outcome.takeover_plan.code == 3, outcome.takeover_plan  # no change; the problem reported
    assert outcome.takeover_run.code == 3, outcome.takeover_run
    assert outcome.takeover_changes == []


def test_back_to_external_dns_sends_no_change(outcome: Comparison) -> None:
    assert outcome.back_run.code == 0, outcome.back_run
    assert outcome.back_changes == []
