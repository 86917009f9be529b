"""external-dns v0.23.0 and zonekeeper on the Gateway API route, node and pod sources: the same zone,
and each takes over the other's records without a change (as test_compat_records.py does for
Services and Ingresses)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.external_dns import Comparison, Controllers
from tests.support.kube import KubeCluster

from .objects import COMPAT_NODE, EXTERNAL_DNS_ONLY_ARGS, MORE_SOURCES, ZONE, more_sources, shared_args

pytestmark = [pytest.mark.kube, pytest.mark.integration, pytest.mark.timeout(300)]

NAMESPACE = "compat-sources"
OWNER = "compat"

# Written out by hand from the objects (not read from either tool).
EXPECTED = {
    ("web.gw.example.com", "A"): ("192.0.2.150",),
    ("grpc.gw.example.com", "A"): ("192.0.2.150",),
    ("picky.sel.example.com", "A"): ("192.0.2.150",),  # its namespace matches the listener's selector
    ("tls.gw.example.com", "A"): ("192.0.2.150",),
    ("db.gw.example.com", "A"): ("192.0.2.150",),
    ("dns.gw.example.com", "A"): ("192.0.2.150",),
    (COMPAT_NODE, "A"): ("192.0.2.160",),
    ("agent.example.com", "A"): ("192.0.2.160",),
    ("agent.example.com", "AAAA"): ("2001:db8::160",),
    ("agent-int.example.com", "A"): ("10.0.0.160",),
}


@pytest.fixture(scope="module")
def args(kube_cluster: KubeCluster) -> Iterator[list[str]]:
    from kubernetes import client

    kube_cluster.ensure_namespace(NAMESPACE)
    kube_cluster.apply(more_sources(NAMESPACE))
    base = [a for a in shared_args(str(kube_cluster.admin_kubeconfig), NAMESPACE, OWNER)
            if not a.startswith("--source=")]
    yield [*base, *MORE_SOURCES]
    client.CoreV1Api(kube_cluster.admin).delete_node(COMPAT_NODE)


@pytest.fixture(scope="module")
def outcome(controllers: Controllers, args: list[str]) -> Comparison:
    return controllers.compare(ZONE, [*args, *EXTERNAL_DNS_ONLY_ARGS], args)


def test_external_dns_publishes_what_the_objects_ask_for(outcome: Comparison) -> None:
    assert outcome.external_dns.code == 0, outcome.external_dns
    got = {(r.name, r.type): r.values for r in outcome.external_dns_records if r.type != "TXT"}
    assert got == EXPECTED, outcome.external_dns


def test_zonekeeper_writes_the_same_record_sets(outcome: Comparison) -> None:
    assert outcome.zonekeeper.code == 0, outcome.zonekeeper
    found = outcome.differences()
    assert not found, "\n".join(found.values())
    assert len(outcome.zonekeeper_records) == 2 * len(EXPECTED)  # each record and its TXT


def test_takeover_from_external_dns_plans_and_sends_no_change(outcome: Comparison) -> None:
    assert outcome.takeover_plan.code == 0, outcome.takeover_plan
    assert outcome.takeover_run.code == 0, outcome.takeover_run
    assert outcome.takeover_changes == []


def test_back_to_external_dns_sends_no_change(outcome: Comparison) -> None:
    assert outcome.back_run.code == 0, outcome.back_run
    assert outcome.back_changes == []
