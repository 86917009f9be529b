"""external-dns v0.23.0 and zonekeeper on the Gateway API route, node and pod sources: the same zone,
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
    LISTENER_SET_GATEWAY_ADDRESS,
    MORE_SOURCES,
    ZONE,
    listener_sets,
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


def published(outcome: Comparison) -> dict[tuple[str, str], tuple[str, ...]]:
    """What external-dns wrote (TXT records aside), once it exited cleanly."""
    assert outcome.external_dns.code == 0, outcome.external_dns
    return {(r.name, r.type): r.values for r in outcome.external_dns_records if r.type != "TXT"}


def identical(outcome: Comparison) -> int:
    """zonekeeper's record sets are external-dns's (every one, TXT included); how many there are."""
    assert outcome.zonekeeper.code == 0, outcome.zonekeeper
    found = outcome.differences()
    assert not found, "\n".join(found.values())
    return len(outcome.zonekeeper_records)


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
    assert published(outcome) == EXPECTED, outcome.external_dns


def test_zonekeeper_writes_the_same_record_sets(outcome: Comparison) -> None:
    assert identical(outcome) == 2 * len(EXPECTED)  # each record and its TXT


def test_takeover_from_external_dns_plans_and_sends_no_change(outcome: Comparison) -> None:
    assert outcome.takeover_plan.code == 0, outcome.takeover_plan
    assert outcome.takeover_run.code == 0, outcome.takeover_run
    assert outcome.takeover_changes == []


def test_back_to_external_dns_sends_no_change(outcome: Comparison) -> None:
    assert outcome.back_run.code == 0, outcome.back_run
    assert outcome.back_changes == []


# -- --gateway-listener-sets ---------------------------------------------------------------------------------

LS_NAMESPACE, LS_INFRA = "compat-listenersets", "compat-listenersets-infra"
LS_EXPECTED = {
    ("app.ls.example.com", "A"): (LISTENER_SET_GATEWAY_ADDRESS,),  # route ∩ the ListenerSet's *.ls listener
    ("admin.ls.example.com", "A"): (LISTENER_SET_GATEWAY_ADDRESS,),  # sectionName admin: its listener only
    ("pinned.pin.example.com", "A"): ("198.51.100.170",),  # the ListenerSet's target annotation
    # shut.shut.example.com: its Gateway's allowedListeners (none given) admits no ListenerSet.
}


@pytest.fixture(scope="module")
def ls_outcome(kube_cluster: KubeCluster, controllers: Controllers) -> Comparison:
    for ns in (LS_NAMESPACE, LS_INFRA):
        kube_cluster.ensure_namespace(ns)
    kube_cluster.apply(listener_sets(LS_NAMESPACE, LS_INFRA))
    base = [a for a in shared_args(str(kube_cluster.admin_kubeconfig), LS_NAMESPACE, OWNER)
            if not a.startswith("--source=")]
    args = [*base, "--source=gateway-httproute", "--gateway-listener-sets"]
    return controllers.compare(ZONE, [*args, *EXTERNAL_DNS_ONLY_ARGS], args)


def test_listener_sets_external_dns_publishes_what_the_objects_ask_for(ls_outcome: Comparison) -> None:
    assert published(ls_outcome) == LS_EXPECTED, ls_outcome.external_dns


def test_listener_sets_zonekeeper_writes_the_same_record_sets(ls_outcome: Comparison) -> None:
    count = identical(ls_outcome)
    assert count == 2 * len(LS_EXPECTED)
    print(f"listener sets: {count} record sets identical")


def test_listener_sets_takeover_each_way_sends_no_change(ls_outcome: Comparison) -> None:
    assert ls_outcome.takeover_plan.code == 0 and ls_outcome.takeover_run.code == 0, ls_outcome.takeover_plan
    assert ls_outcome.takeover_changes == []
    assert ls_outcome.back_run.code == 0, ls_outcome.back_run
    assert ls_outcome.back_changes == []


# -- --fqdn-template on the node and pod sources --------------------------------------------------------------

TPL_NAMESPACE, TPL_NODE = "compat-templates", "compat-node-2.example.com"
TPL_EXPECTED = {
    (f"{TPL_NODE}.tpl.example.com", "A"): ("192.0.2.180",),  # instead of the Node's own name
    ("plain.tpl.example.com", "A"): ("10.0.0.180",),  # a Pod with no name of its own: its podIPs
    ("plain.tpl.example.com", "AAAA"): ("2001:db8::180",),
    ("named-int.example.com", "A"): ("10.0.0.181",),  # a Pod with its own name keeps it alone
}


@pytest.fixture(scope="module")
def tpl_outcome(kube_cluster: KubeCluster, controllers: Controllers) -> Iterator[Comparison]:
    from kubernetes import client

    kube_cluster.ensure_namespace(TPL_NAMESPACE)

    def pod(name: str, ips: list[str], annotations: dict[str, str]) -> dict[str, object]:
        return {"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": name, "namespace": TPL_NAMESPACE, "annotations": annotations},
                "spec": {"containers": [{"name": "c", "image": "c"}], "nodeName": TPL_NODE},
                "status": {"podIP": ips[0], "podIPs": [{"ip": ip} for ip in ips]}}

    kube_cluster.apply([
        {"apiVersion": "v1", "kind": "Node", "metadata": {"name": TPL_NODE},
         "status": {"addresses": [{"type": "ExternalIP", "address": "192.0.2.180"},
                                  {"type": "InternalIP", "address": "10.0.0.182"}]}},
        pod("plain", ["10.0.0.180", "2001:db8::180"], {}),
        pod("named", ["10.0.0.181"], {"external-dns.kubernetes.io/internal-hostname": "named-int.example.com"}),
    ])
    base = [a for a in shared_args(str(kube_cluster.admin_kubeconfig), TPL_NAMESPACE, OWNER)
            if not a.startswith("--source=")]
    args = [*base, "--source=node", "--source=pod", "--fqdn-template={{ .Name }}.tpl.example.com"]
    yield controllers.compare(ZONE, [*args, *EXTERNAL_DNS_ONLY_ARGS], args)
    client.CoreV1Api(kube_cluster.admin).delete_node(TPL_NODE)


def test_templates_external_dns_publishes_what_the_objects_ask_for(tpl_outcome: Comparison) -> None:
    got = published(tpl_outcome)
    # Other Nodes of the test cluster get template names too; ours must be there as written.
    assert {k: got.get(k) for k in TPL_EXPECTED} == TPL_EXPECTED, tpl_outcome.external_dns


def test_templates_zonekeeper_writes_the_same_record_sets(tpl_outcome: Comparison) -> None:
    count = identical(tpl_outcome)
    assert tpl_outcome.takeover_changes == [] and tpl_outcome.back_changes == []
    print(f"node/pod templates: {count} record sets identical")
