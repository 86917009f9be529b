"""external-dns v0.23.0 and zonekeeper on the Gateway API route, node and pod sources, and on the ingress
controllers' CRD sources (Contour, Kong, Emissary, Gloo): the same zone,
and each takes over the other's records without a change (as test_compat_records.py does for
Services and Ingresses)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.external_dns import Comparison, Controllers
from tests.support.kube import KubeCluster

from .objects import (
    COMPAT_NODE,
    EXTERNAL_DNS_ONLY_ARGS,
    INGRESS_CONTROLLER_PROJECTS,
    INGRESS_CONTROLLER_SOURCES,
    MORE_SOURCES,
    ZONE,
    ingress_controllers,
    more_sources,
    shared_args,
)

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


# -- the ingress controllers' CRD sources: contour-httpproxy, kong-tcpingress, ambassador-host, gloo-proxy ------

IC_NAMESPACE = "compat-ic"

# Written out by hand from objects.ingress_controllers (not read from either tool). An alias has no values.
IC_EXPECTED = {
    ("contour.ic.example.com", "A"): ("192.0.2.170",),
    ("contour-alt.ic.example.com", "A"): ("192.0.2.170",),
    ("contour-target.ic.example.com", "A"): ("192.0.2.171",),
    ("kong-a.ic.example.com", "A"): ("192.0.2.172",),
    ("kong-b.ic.example.com", "A"): ("192.0.2.172",),
    ("kong-nlb.ic.example.com", "A"): (),
    ("kong-nlb.ic.example.com", "AAAA"): (),
    ("site.ic.example.com", "A"): ("192.0.2.173",),
    ("site-dot.ic.example.com", "A"): ("192.0.2.174",),
    ("gloo-a.ic.example.com", "A"): ("192.0.2.175",),
    ("gloo-b.ic.example.com", "A"): ("192.0.2.175",),
    ("gloo-shop.ic.example.com", "A"): ("192.0.2.175",),
    ("gloo-ing.ic.example.com", "A"): ("192.0.2.176",),
}
IC_TTLS = {"contour.ic.example.com": 60, "contour-alt.ic.example.com": 60, "site.ic.example.com": 120,
           "gloo-shop.ic.example.com": 300}


@pytest.fixture(scope="module")
def ic_outcome(kube_cluster: KubeCluster, controllers: Controllers) -> Comparison:
    kube_cluster.install_project_crds(*INGRESS_CONTROLLER_PROJECTS)
    kube_cluster.ensure_namespace(IC_NAMESPACE)
    kube_cluster.apply(ingress_controllers(IC_NAMESPACE))
    base = [a for a in shared_args(str(kube_cluster.admin_kubeconfig), IC_NAMESPACE, OWNER)
            if not a.startswith("--source=")]
    args = [*base, *INGRESS_CONTROLLER_SOURCES, f"--gloo-namespace={IC_NAMESPACE}"]
    return controllers.compare(ZONE, [*args, *EXTERNAL_DNS_ONLY_ARGS], args)


def test_ingress_controllers_external_dns_publishes_what_the_objects_ask_for(ic_outcome: Comparison) -> None:
    assert ic_outcome.external_dns.code == 0, ic_outcome.external_dns
    got = {(r.name, r.type): r.values for r in ic_outcome.external_dns_records if r.type != "TXT"}
    assert got == IC_EXPECTED, ic_outcome.external_dns
    ttls = {r.name: r.ttl for r in ic_outcome.external_dns_records if r.type == "A" and r.name in IC_TTLS}
    assert ttls == IC_TTLS


def test_ingress_controllers_zonekeeper_writes_the_same_record_sets(ic_outcome: Comparison) -> None:
    assert ic_outcome.zonekeeper.code == 0, ic_outcome.zonekeeper
    found = ic_outcome.differences()
    assert not found, "\n".join(found.values())
    assert len(ic_outcome.zonekeeper_records) == 2 * len(IC_EXPECTED)  # each record and its TXT


def test_ingress_controllers_takeover_both_ways_sends_no_change(ic_outcome: Comparison) -> None:
    assert ic_outcome.takeover_plan.code == 0, ic_outcome.takeover_plan
    assert ic_outcome.takeover_run.code == 0, ic_outcome.takeover_run
    assert ic_outcome.takeover_changes == []
    assert ic_outcome.back_run.code == 0, ic_outcome.back_run
    assert ic_outcome.back_changes == []
