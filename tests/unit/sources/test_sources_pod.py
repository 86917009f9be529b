"""The `pod` source, against external-dns v0.23.0's source/pod.go and pod_test.go."""

from __future__ import annotations

from typing import Any

from sourcekit import ga, node, pod, records, store

from zonekeeper.sources import SOURCES
from zonekeeper.sources.base import SourceConfig, SourceResult
from zonekeeper.sources.objects import NODES, PODS

SPEC = SOURCES["pod"].only
CONFIG = SourceConfig()
NODE = node("node1", external=("54.10.11.1",), internal=("10.0.1.1", "2001:db8::1"))


def host_pod(name: str = "p1", namespace: str = "kube-system", *, annotations: dict[str, str] | None = None,
             host_network: bool = True, ip: str = "10.0.1.1", node_name: str = "node1") -> dict[str, Any]:
    p = pod(name, namespace, node=node_name, annotations=annotations)
    p["spec"]["hostNetwork"] = host_network
    p["status"]["podIP"] = ip
    return p


def run(p: dict[str, Any], *others: dict[str, Any], config: SourceConfig = CONFIG) -> SourceResult:
    return SPEC.function(p, store(p, NODE, *others), config)


def test_registered_as_external_dns_names_it() -> None:
    assert (SPEC.kind, set(SPEC.watched_kinds), SPEC.label_kind) == (PODS, {PODS, NODES}, "pod")


def test_hostname_points_at_the_node_s_external_ips_and_internal_ipv6() -> None:
    result = run(host_pod(annotations=ga(hostname="a.example.com,b.example.com")))
    assert records(result) == [
        "a.example.com A -> 54.10.11.1", "a.example.com AAAA -> 2001:db8::1",
        "b.example.com A -> 54.10.11.1", "b.example.com AAAA -> 2001:db8::1",
    ]
    # external-dns sets no `resource` label on pod records (its TXT records carry none): nor do we.
    assert {e.resource for e in result.endpoints} == {""}


def test_internal_hostname_points_at_the_pod_ip() -> None:
    assert records(run(host_pod(annotations=ga(internal_hostname="int.example.com")))) == [
        "int.example.com A -> 10.0.1.1"]
    assert records(run(host_pod(ip="2001:db8::5", annotations=ga(internal_hostname="int.example.com")))) == [
        "int.example.com AAAA -> 2001:db8::5"]


def test_the_target_annotation_replaces_every_address() -> None:
    annotations = ga(hostname="a.example.com", internal_hostname="int.example.com", target="203.0.113.7")
    assert records(run(host_pod(annotations=annotations))) == [
        "a.example.com A -> 203.0.113.7", "int.example.com A -> 203.0.113.7"]
    with_domain = run(host_pod(annotations=ga(target="203.0.113.7")), config=SourceConfig(pod_source_domain="pods.example.com"))
    assert records(with_domain) == ["p1.pods.example.com A -> 203.0.113.7"]


def test_pod_source_domain_names_every_pod() -> None:
    config = SourceConfig(pod_source_domain="pods.example.com")
    assert records(run(host_pod(), config=config)) == ["p1.pods.example.com A -> 10.0.1.1"]
    assert records(run(host_pod(host_network=False, ip="10.244.0.5"), config=config)) == [
        "p1.pods.example.com A -> 10.244.0.5"]
    assert records(run(host_pod())) == []


def test_ignore_non_host_network_pods() -> None:
    p = host_pod(host_network=False, annotations=ga(internal_hostname="int.example.com"))
    assert records(run(p)) == ["int.example.com A -> 10.0.1.1"]
    assert records(run(p, config=SourceConfig(ignore_non_host_network_pods=True))) == []


def test_hostname_without_its_node_publishes_nothing() -> None:
    assert records(run(host_pod(node_name="gone", annotations=ga(hostname="a.example.com")))) == []


def test_ttl_is_read_and_provider_specific_annotations_are_not() -> None:
    result = run(host_pod(annotations=ga(internal_hostname="int.example.com", ttl="60", aws_weight="10",
                                         set_identifier="x")))
    (endpoint,) = result.endpoints
    assert (endpoint.ttl, endpoint.set_identifier, dict(endpoint.provider_specific)) == (60, "", {})


def test_bad_hostname_is_a_problem_naming_the_pod() -> None:
    result = run(host_pod(annotations=ga(hostname="bad..name")))
    assert records(result) == []
    assert [(p.subject, p.reason) for p in result.problems] == [("pod/kube-system/p1", "InvalidHostname")]


def test_a_node_change_re_plans_the_pods_on_it() -> None:
    on_node = host_pod("a", annotations=ga(hostname="a.example.com"))
    elsewhere = host_pod("b", node_name="node2", annotations=ga(hostname="b.example.com"))
    view = store(NODE, on_node, elsewhere)
    assert sorted(SPEC.dependents(NODES, NODE, view)) == [("kube-system", "a")]
    assert sorted(SPEC.dependents(PODS, elsewhere, view)) == [("kube-system", "b")]
