"""external-dns v0.23.0 and zonekeeper on the unstructured source (a core resource and a CRD named by
--unstructured-resource): the same zone, and each takes over the other's records without a change."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.external_dns import Comparison, Controllers
from tests.support.kube import KubeCluster

from .objects import EXTERNAL_DNS_ONLY_ARGS, ZONE, shared_args

pytestmark = [pytest.mark.kube, pytest.mark.integration, pytest.mark.timeout(300)]

NAMESPACE = "compat-unstructured"
GA = "external-dns.kubernetes.io/"
SOURCE_ARGS = ["--source=unstructured", "--unstructured-resource=configmaps.v1",
               "--unstructured-resource=ingressroutes.v1alpha1.traefik.io"]


def _config_map(name: str, annotations: dict[str, str]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {
        "name": name, "namespace": NAMESPACE, "annotations": annotations}, "data": {"k": "v"}}


OBJECTS = [
    _config_map("a", {GA + "hostname": "cm-a.un.example.com,cm-a2.un.example.com", GA + "target": "192.0.2.180"}),
    _config_map("b", {GA + "hostname": "cm-b.un.example.com", GA + "target": "lb.example.net", GA + "ttl": "90"}),
    _config_map("c", {GA + "hostname": "cm-c.un.example.com", GA + "target": "192.0.2.181,2001:db8::181",
                      GA + "aws-weight": "10", GA + "set-identifier": "blue"}),  # neither is read
    _config_map("d", {GA + "hostname": "cm-d.un.example.com"}),  # no target: nothing
    _config_map("e", {GA + "hostname": "cm-e.un.example.com", GA + "target": "192.0.2.182",
                      GA + "controller": "someone-else"}),
    {"apiVersion": "traefik.io/v1alpha1", "kind": "IngressRoute", "metadata": {
        "name": "r", "namespace": NAMESPACE,
        "annotations": {GA + "hostname": "route.un.example.com", GA + "target": "192.0.2.183"}},
     "spec": {"routes": [{"match": "Host(`not-read.un.example.com`)", "kind": "Rule",
                          "services": [{"name": "s", "port": 80}]}]}},
]

# Written out by hand from the objects (not read from either tool).
EXPECTED = {
    ("cm-a.un.example.com", "A"): ("192.0.2.180",),
    ("cm-a2.un.example.com", "A"): ("192.0.2.180",),
    ("cm-b.un.example.com", "CNAME"): ("lb.example.net",),
    ("cm-c.un.example.com", "A"): ("192.0.2.181",),
    ("cm-c.un.example.com", "AAAA"): ("2001:db8::181",),
    ("route.un.example.com", "A"): ("192.0.2.183",),
}


@pytest.fixture(scope="module")
def args(kube_cluster: KubeCluster) -> Iterator[list[str]]:
    from kubernetes import client

    kube_cluster.ensure_namespace(NAMESPACE)
    kube_cluster.apply(OBJECTS)
    base = [a for a in shared_args(str(kube_cluster.admin_kubeconfig), NAMESPACE, "compat")
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


def test_takeover_from_external_dns_plans_and_sends_no_change(outcome: Comparison) -> None:
    assert outcome.takeover_plan.code == 0, outcome.takeover_plan
    assert outcome.takeover_run.code == 0, outcome.takeover_run
    assert outcome.takeover_changes == []


def test_back_to_external_dns_sends_no_change(outcome: Comparison) -> None:
    assert outcome.back_run.code == 0, outcome.back_run
    assert outcome.back_changes == []
