"""external-dns v0.23.0 and zonekeeper on Traefik's routes (traefik-proxy, both API groups): the same
zone, and each takes over the other's records without a change."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.external_dns import Comparison, Controllers
from tests.support.kube import KubeCluster

from .objects import EXTERNAL_DNS_ONLY_ARGS, ZONE, shared_args

pytestmark = [pytest.mark.kube, pytest.mark.integration, pytest.mark.timeout(300)]

NAMESPACE = "compat-traefik"
OWNER = "compat"
GA = "external-dns.kubernetes.io/"
SOURCE_ARGS = ["--source=traefik-proxy", "--traefik-enable-legacy"]


def _route(kind: str, name: str, annotations: dict[str, str], *matches: str, group: str = "traefik.io") -> dict[str, Any]:
    service = {"name": "backend", "port": 80}
    routes: list[dict[str, Any]] = [{"match": m, "services": [service]} for m in matches]
    if kind == "IngressRoute":
        routes = [r | {"kind": "Rule"} for r in routes]
    if kind == "IngressRouteUDP":
        routes = [{"services": [service]}]
    return {"apiVersion": f"{group}/v1alpha1", "kind": kind,
            "metadata": {"name": name, "namespace": NAMESPACE, "annotations": annotations},
            "spec": {"routes": routes}}


OBJECTS = [
    _route("IngressRoute", "web", {GA + "target": "192.0.2.170", GA + "hostname": "web-alias.tr.example.com"},
           "Host(`web.tr.example.com`) || Host(`www.tr.example.com`, `w3.tr.example.com`)"),
    _route("IngressRoute", "wild", {GA + "target": "192.0.2.171"}, "Host(`*`)", "HostSNI(`sni.tr.example.com`)"),
    _route("IngressRoute", "lb", {GA + "target": "lb.elb.example.net", GA + "ttl": "120"},
           "Host(`cname.tr.example.com`) && PathPrefix(`/api`)"),
    _route("IngressRoute", "weighted", {GA + "target": "192.0.2.172", GA + "set-identifier": "blue",
                                        GA + "aws-weight": "10"}, "Host(`weighted.tr.example.com`)"),
    _route("IngressRoute", "untargeted", {}, "Host(`nothing.tr.example.com`)"),
    _route("IngressRoute", "elsewhere", {GA + "target": "192.0.2.173", GA + "controller": "someone-else"},
           "Host(`elsewhere.tr.example.com`)"),
    _route("IngressRouteTCP", "db", {GA + "target": "192.0.2.174"}, "HostSNI(`db.tr.example.com`)"),
    _route("IngressRouteTCP", "passthrough", {GA + "target": "192.0.2.175"}, "HostSNI(`*`)"),
    _route("IngressRouteUDP", "dns", {GA + "target": "192.0.2.176", GA + "hostname": "udp.tr.example.com"}),
    _route("IngressRoute", "old", {GA + "target": "192.0.2.177"}, "Host(`legacy.tr.example.com`)",
           group="traefik.containo.us"),
    _route("IngressRouteTCP", "oldtcp", {GA + "target": "192.0.2.178"}, "HostSNI(`legacytcp.tr.example.com`)",
           group="traefik.containo.us"),
]

# Written out by hand from the objects (not read from either tool).
EXPECTED = {
    ("web.tr.example.com", "A"): ("192.0.2.170",),
    ("www.tr.example.com", "A"): ("192.0.2.170",),
    ("w3.tr.example.com", "A"): ("192.0.2.170",),
    ("web-alias.tr.example.com", "A"): ("192.0.2.170",),
    ("sni.tr.example.com", "A"): ("192.0.2.171",),
    ("cname.tr.example.com", "CNAME"): ("lb.elb.example.net",),
    ("weighted.tr.example.com", "A"): ("192.0.2.172",),
    ("db.tr.example.com", "A"): ("192.0.2.174",),
    ("udp.tr.example.com", "A"): ("192.0.2.176",),
    ("legacy.tr.example.com", "A"): ("192.0.2.177",),
    ("legacytcp.tr.example.com", "A"): ("192.0.2.178",),
}


@pytest.fixture(scope="module")
def args(kube_cluster: KubeCluster) -> Iterator[list[str]]:
    from kubernetes import client

    kube_cluster.ensure_namespace(NAMESPACE)
    kube_cluster.apply(OBJECTS)
    base = [a for a in shared_args(str(kube_cluster.admin_kubeconfig), NAMESPACE, OWNER)
            if not a.startswith("--source=")]
    yield [*base, *SOURCE_ARGS]
    client.CoreV1Api(kube_cluster.admin).delete_namespace(NAMESPACE)


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
