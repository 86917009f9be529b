"""Source flags read through the informer cache of a real kube-apiserver (`zonekeeper plan` against a
cluster): the cache must keep what the flags read — annotations under a custom --annotation-prefix, and
every annotation once --fqdn-template or --annotation-filter may look at any."""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner

from tests.support.kube import KubeCluster
from zonekeeper.cli import main

pytestmark = [pytest.mark.kube, pytest.mark.integration, pytest.mark.timeout(180)]


def lb_service(name: str, ns: str, annotations: dict[str, str], ip: str) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Service",
            "metadata": {"name": name, "namespace": ns, "annotations": annotations},
            "spec": {"type": "LoadBalancer", "ports": [{"port": 80}]},
            "status": {"loadBalancer": {"ingress": [{"ip": ip}]}}}


def plan(kube_cluster: KubeCluster, ns: str, *args: str) -> list[tuple[str, str]]:
    result = CliRunner().invoke(main, ["plan", "--output", "json", "--provider", "inmemory", "--inmemory-zone",
                                       "example.com", "--source", "service", "--kubeconfig",
                                       str(kube_cluster.admin_kubeconfig), "--namespace", ns, *args],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return sorted((c["name"], c["targets"][0]) for c in json.loads(result.output)["changes"] if c["type"] == "A")


def test_the_cache_keeps_what_prefix_template_and_filter_read(kube_cluster: KubeCluster, kube_namespace: str) -> None:
    ns = kube_namespace
    kube_cluster.apply([
        lb_service("a", ns, {"shard-a.example.org/hostname": "a.example.com", "team.example.org/dns": "alpha"},
                   "192.0.2.1"),
        lb_service("b", ns, {"external-dns.kubernetes.io/hostname": "b.example.com", "team": "db"}, "192.0.2.2"),
    ])
    assert plan(kube_cluster, ns, "--annotation-prefix", "shard-a.example.org/") == [("a.example.com", "192.0.2.1")]
    template = '{{ with index .Annotations "team.example.org/dns" }}{{ . }}.example.com{{ end }}'
    assert plan(kube_cluster, ns, "--fqdn-template", template, "--ignore-hostname-annotation") == [
        ("alpha.example.com", "192.0.2.1")]
    assert plan(kube_cluster, ns, "--annotation-filter", "team=db") == [("b.example.com", "192.0.2.2")]


def test_resolve_service_load_balancer_hostname_from_the_cluster(kube_cluster: KubeCluster,
                                                                 kube_namespace: str) -> None:
    ns = kube_namespace
    svc = lb_service("lb", ns, {"external-dns.kubernetes.io/hostname": "lb.example.com"}, "")
    svc["status"]["loadBalancer"]["ingress"] = [{"hostname": "localhost"}]
    kube_cluster.apply([svc])
    assert plan(kube_cluster, ns) == []  # a CNAME to the hostname itself
    assert plan(kube_cluster, ns, "--resolve-service-load-balancer-hostname") == [("lb.example.com", "127.0.0.1")]
