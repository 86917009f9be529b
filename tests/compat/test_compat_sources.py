"""external-dns v0.23.0 and zonekeeper on the Gateway API route, node and pod sources, and on the ingress
controllers' CRD sources (Contour, Kong, Emissary, Gloo): the same zone,
and each takes over the other's records without a change (as test_compat_records.py does for
Services and Ingresses)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import pytest

from tests.support.external_dns import Comparison, Controllers, RecordSet
from tests.support.kube import KubeCluster

from .objects import (
    CLOUDFRONT,
    COMPAT_NODE,
    EXTERNAL_DNS_ONLY_ARGS,
    INGRESS_CONTROLLER_PROJECTS,
    INGRESS_CONTROLLER_SOURCES,
    LISTENER_SET_GATEWAY_ADDRESS,
    MORE_SOURCES,
    NLB_US_EAST_1,
    PROJECT_SOURCES,
    ZONE,
    ingress_controllers,
    listener_sets,
    more_sources,
    project_sources,
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
# -- F5 CIS and Skipper (openshift-route: no case, the external-dns binary is built without it) ----------

PROJECTS_NAMESPACE = "compat-projects"
ALIAS_NLB = f"ALIAS {NLB_US_EAST_1}"
ALIAS_CLOUDFRONT = f"ALIAS {CLOUDFRONT}"
# Written out by hand from the objects (not read from either tool): (name, type) -> values or alias target.
PROJECTS_EXPECTED = {
    ("shop.f5.example.com", "A"): ("192.0.2.170",),
    ("www.f5.example.com", "A"): ("192.0.2.170",),
    ("cdn.f5.example.com", "A"): (ALIAS_CLOUDFRONT,),
    ("cdn.f5.example.com", "AAAA"): (ALIAS_CLOUDFRONT,),
    ("db.f5.example.com", "A"): ("192.0.2.173",),
    ("web.rg.example.com", "A"): (ALIAS_NLB,),
    ("web.rg.example.com", "AAAA"): (ALIAS_NLB,),
    ("ip.rg.example.com", "A"): ("192.0.2.180",),
    ("ip2.rg.example.com", "A"): ("192.0.2.180",),
    ("a.rg.example.com", "A"): ("192.0.2.181",),
    ("b.rg.example.com", "A"): ("192.0.2.181",),
    ("w.rg.example.com", "A"): ("192.0.2.182",),
    ("t.rg.example.com", "A"): ("198.51.100.8",),
}


@pytest.fixture(scope="module")
def projects_args(kube_cluster: KubeCluster) -> list[str]:
    """Both tools as a ServiceAccount with a token: external-dns's skipper-routegroup source does not use
    client-go but an HTTP client of its own, which takes only the kubeconfig's server and bearer token
    (never its CA or client certificate) and trusts the system roots, or the in-cluster CA file. With the
    admin kubeconfig (a client certificate) it fails on the apiserver's certificate; with a token and the
    test CA as the system roots (SSL_CERT_FILE, which Go reads) it lists RouteGroups as in a cluster."""
    kube_cluster.ensure_namespace(PROJECTS_NAMESPACE)
    kube_cluster.apply(project_sources(PROJECTS_NAMESPACE))
    kube_cluster.apply({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                        "metadata": {"name": "compat-projects"},
                        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole",
                                    "name": "cluster-admin"},
                        "subjects": [{"kind": "ServiceAccount", "name": "compat", "namespace": PROJECTS_NAMESPACE}]})
    kubeconfig = kube_cluster.kubeconfig_for_serviceaccount(PROJECTS_NAMESPACE, "compat")
    base = [a for a in shared_args(str(kubeconfig), PROJECTS_NAMESPACE, OWNER) if not a.startswith("--source=")]
    return [*base, *PROJECT_SOURCES]


@pytest.fixture(scope="module")
def projects_outcome(controllers: Controllers, kube_cluster: KubeCluster, projects_args: list[str]) -> Comparison:
    controllers.extra_env["SSL_CERT_FILE"] = str(kube_cluster.ca_file)
    try:
        return controllers.compare(ZONE, [*projects_args, *EXTERNAL_DNS_ONLY_ARGS], projects_args)
    finally:
        controllers.extra_env.pop("SSL_CERT_FILE", None)


def _shown(records: Iterable[RecordSet]) -> dict[tuple[str, str], tuple[str, ...]]:
    return {(r.name, r.type): (f"ALIAS {r.alias[0]}",) if r.alias else r.values for r in records if r.type != "TXT"}


def test_external_dns_publishes_what_the_f5_and_skipper_objects_ask_for(projects_outcome: Comparison) -> None:
    assert projects_outcome.external_dns.code == 0, projects_outcome.external_dns
    assert _shown(projects_outcome.external_dns_records) == PROJECTS_EXPECTED, projects_outcome.external_dns


def test_zonekeeper_writes_the_same_f5_and_skipper_record_sets(projects_outcome: Comparison) -> None:
    assert projects_outcome.zonekeeper.code == 0, projects_outcome.zonekeeper
    found = projects_outcome.differences()
    assert not found, "\n".join(found.values())
    assert len(projects_outcome.zonekeeper_records) == 2 * len(PROJECTS_EXPECTED)  # each record and its TXT


def test_takeover_of_f5_and_skipper_records_sends_no_change_either_way(projects_outcome: Comparison) -> None:
    assert projects_outcome.takeover_plan.code == 0, projects_outcome.takeover_plan
    assert projects_outcome.takeover_run.code == 0, projects_outcome.takeover_run
    assert projects_outcome.takeover_changes == []
    assert projects_outcome.back_run.code == 0, projects_outcome.back_run
    assert projects_outcome.back_changes == []


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
