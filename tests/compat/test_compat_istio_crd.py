"""external-dns v0.23.0 and zonekeeper on the istio-gateway, istio-virtualservice and crd sources: the same
zone from the same objects, and each takes over the other's records without a change."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.external_dns import Comparison, Controllers
from tests.support.kube import KubeCluster

from .objects import EXTERNAL_DNS_ONLY_ARGS, ZONE, shared_args
from .test_compat_sources import identical, published

pytestmark = [pytest.mark.kube, pytest.mark.integration, pytest.mark.timeout(300)]

NAMESPACE = "compat-istio"
OWNER = "compat"
SOURCES = ["--source=istio-gateway", "--source=istio-virtualservice", "--source=crd"]
TARGET = "external-dns.alpha.kubernetes.io/target"

# Written out by hand from the objects below (not read from either tool).
EXPECTED = {
    ("bookinfo.istio.example.com", "A"): ("192.0.2.180",),
    ("ratings.istio.example.com", "A"): ("192.0.2.180",),  # "<namespace>/<host>": the host part
    ("*.wild.istio.example.com", "A"): ("192.0.2.180",),
    ("shop.wild.istio.example.com", "A"): ("192.0.2.180",),  # a VirtualService under the wildcard host
    ("reviews.istio.example.com", "A"): ("192.0.2.181",),  # its Gateway serves "*" and has a target annotation
    ("static.istio.example.com", "A"): ("192.0.2.182", "192.0.2.183"),
    ("alias.istio.example.com", "CNAME"): ("target.example.net",),
    ("weighted.istio.example.com", "A"): ("192.0.2.184",),
}


def objects(ns: str) -> list[dict[str, Any]]:
    def gateway(name: str, hosts: list[str], annotations: dict[str, str] | None = None) -> dict[str, Any]:
        return {"apiVersion": "networking.istio.io/v1", "kind": "Gateway",
                "metadata": {"name": name, "namespace": ns, "annotations": annotations or {}},
                "spec": {"selector": {"istio": "ingressgateway"},
                         "servers": [{"port": {"number": 80, "name": "http", "protocol": "HTTP"}, "hosts": hosts}]}}

    def virtual_service(name: str, hosts: list[str], gateways: list[str]) -> dict[str, Any]:
        return {"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
                "metadata": {"name": name, "namespace": ns},
                "spec": {"hosts": hosts, "gateways": gateways, "http": [{"route": []}]}}

    return [
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "istio-ingressgateway", "namespace": ns},
         "spec": {"type": "LoadBalancer", "selector": {"istio": "ingressgateway"}, "ports": [{"port": 80}]},
         "status": {"loadBalancer": {"ingress": [{"ip": "192.0.2.180"}]}}},
        gateway("bookinfo", ["bookinfo.istio.example.com", f"{ns}/ratings.istio.example.com",
                             "*.wild.istio.example.com"]),
        gateway("mesh-edge", ["*"], {TARGET: "192.0.2.181"}),
        virtual_service("shop", ["shop.wild.istio.example.com"], ["bookinfo"]),
        virtual_service("reviews", ["reviews.istio.example.com"], ["mesh-edge"]),
        virtual_service("mesh-only", ["mesh.istio.example.com"], ["mesh"]),  # the mesh gateway: no record
        {"apiVersion": "externaldns.k8s.io/v1alpha1", "kind": "DNSEndpoint",
         "metadata": {"name": "static", "namespace": ns},
         "spec": {"endpoints": [
             {"dnsName": "static.istio.example.com", "recordType": "A", "targets": ["192.0.2.182", "192.0.2.183"],
              "recordTTL": 60},
             {"dnsName": "alias.istio.example.com", "recordType": "CNAME", "targets": ["target.example.net"]},
             {"dnsName": "weighted.istio.example.com", "recordType": "A", "targets": ["192.0.2.184"],
              "setIdentifier": "blue", "providerSpecific": [{"name": "aws/weight", "value": "10"}]},
         ]}},
    ]


@pytest.fixture(scope="module")
def outcome(kube_cluster: KubeCluster, controllers: Controllers) -> Comparison:
    kube_cluster.ensure_namespace(NAMESPACE)
    kube_cluster.apply(objects(NAMESPACE))
    args = [*(a for a in shared_args(str(kube_cluster.admin_kubeconfig), NAMESPACE, OWNER)
              if not a.startswith("--source=")), *SOURCES]
    return controllers.compare(ZONE, [*args, *EXTERNAL_DNS_ONLY_ARGS], args)


def test_external_dns_publishes_what_the_objects_ask_for(outcome: Comparison) -> None:
    assert published(outcome) == EXPECTED, outcome.external_dns


def test_zonekeeper_writes_the_same_record_sets(outcome: Comparison) -> None:
    assert identical(outcome) == 2 * len(EXPECTED)  # each record and its TXT


def test_takeover_both_ways_sends_no_change(outcome: Comparison) -> None:
    assert outcome.takeover_plan.code == 0, outcome.takeover_plan
    assert outcome.takeover_run.code == 0, outcome.takeover_run
    assert outcome.takeover_changes == []
    assert outcome.back_run.code == 0, outcome.back_run
    assert outcome.back_changes == []
