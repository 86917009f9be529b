"""The `node` source, against external-dns v0.23.0's source/node.go and node_test.go."""

from __future__ import annotations

from typing import Any

import pytest
from sourcekit import ga, node, records, store

from zonekeeper.sources import SOURCES
from zonekeeper.sources.base import SourceConfig, SourceResult
from zonekeeper.sources.objects import NODES, parse_resource_label, resource_label

SPEC = SOURCES["node"].only
CONFIG = SourceConfig()


def run(n: dict[str, Any], config: SourceConfig = CONFIG) -> SourceResult:
    return SPEC.function(n, store(n), config)


def test_registered_as_external_dns_names_it() -> None:
    assert (SPEC.kind, SPEC.watched_kinds, SPEC.label_kind) == (NODES, (NODES,), "node")


def test_the_node_name_points_at_its_external_ips() -> None:
    result = run(node("node1.example.com", external=("1.2.3.4", "2001:db8::1"), internal=("10.0.0.1",)))
    assert records(result) == ["node1.example.com A -> 1.2.3.4", "node1.example.com AAAA -> 2001:db8::1"]
    # A cluster-scoped object: external-dns's label is node/<name>, no namespace part.
    assert {e.resource for e in result.endpoints} == {"node/node1.example.com"}


def test_internal_ips_when_there_is_no_external_one() -> None:
    n = node("node1.example.com", internal=("10.0.0.1", "fd00::1"))
    assert records(run(n)) == ["node1.example.com A -> 10.0.0.1", "node1.example.com AAAA -> fd00::1"]


def test_internal_ipv6_beside_external_ips_only_with_expose_internal_ipv6() -> None:
    n = node("node1.example.com", external=("1.2.3.4",), internal=("10.0.0.1", "fd00::1"))
    assert records(run(n)) == ["node1.example.com A -> 1.2.3.4"]
    assert records(run(n, SourceConfig(expose_internal_ipv6=True))) == [
        "node1.example.com A -> 1.2.3.4", "node1.example.com AAAA -> fd00::1"]


def test_unschedulable_nodes_are_excluded_unless_told_otherwise() -> None:
    n = node("node1.example.com", external=("1.2.3.4",), unschedulable=True)
    assert records(run(n)) == []
    assert records(run(n, SourceConfig(exclude_unschedulable=False))) == ["node1.example.com A -> 1.2.3.4"]


def test_target_and_ttl_annotations() -> None:
    n = node("node1.example.com", external=("1.2.3.4",))
    n["metadata"]["annotations"] = ga(target="203.0.113.9", ttl="60", hostname="ignored.example.com")
    result = run(n)
    assert records(result) == ["node1.example.com A -> 203.0.113.9"]
    assert [e.ttl for e in result.endpoints] == [60]


def test_provider_specific_annotations_are_not_read() -> None:
    n = node("node1.example.com", external=("1.2.3.4",))
    n["metadata"]["annotations"] = ga(set_identifier="one", aws_weight="10")
    (endpoint,) = run(n).endpoints
    assert (endpoint.set_identifier, dict(endpoint.provider_specific)) == ("", {})


def test_a_node_without_addresses_is_a_problem_naming_it() -> None:
    result = run(node("node1.example.com"))
    assert records(result) == []
    assert [(p.subject, p.reason) for p in result.problems] == [("node/node1.example.com", "NoNodeAddress")]


def test_another_controller_s_node_is_left_alone() -> None:
    n = node("node1.example.com", external=("1.2.3.4",))
    n["metadata"]["annotations"] = ga(controller="someone-else")
    assert run(n).endpoints == [] and run(n).problems == []


def test_dependents_is_the_node_itself() -> None:
    n = node("node1.example.com", external=("1.2.3.4",))
    assert list(SPEC.dependents(NODES, n, store(n))) == [("", "node1.example.com")]


@pytest.mark.parametrize(
    ("label", "parsed"),
    [("node/n1", ("node", "", "n1")), ("service/ns/web", ("service", "ns", "web")), ("node//n1", None),
     ("service", None), ("a/b/c/d", None), ("/ns/web", None)],
)
def test_resource_labels_of_cluster_scoped_and_namespaced_objects(label: str, parsed: Any) -> None:
    assert parse_resource_label(label) == parsed
    if parsed:
        assert resource_label(*parsed) == label


def test_node_and_pod_flags_reach_the_sources() -> None:
    from zonekeeper.config import Settings
    from zonekeeper.wiring import source_config

    assert source_config(Settings.of()).exclude_unschedulable is True
    config = source_config(Settings.of(exclude_unschedulable=False, expose_internal_ipv6=True,
                                       pod_source_domain="pods.example.com", ignore_non_host_network_pods=True))
    assert (config.exclude_unschedulable, config.expose_internal_ipv6, config.pod_source_domain,
            config.ignore_non_host_network_pods) == (False, True, "pods.example.com", True)


def test_node_source_keeps_nodes_watched_whatever_the_service_type_filter() -> None:
    from zonekeeper import live
    from zonekeeper.config import Settings

    only_lb = Settings.of(sources=("service", "node"), service_type_filter=("LoadBalancer",))
    assert NODES in live.watched_kinds(only_lb)
    assert NODES not in live.watched_kinds(Settings.of(sources=("service",), service_type_filter=("LoadBalancer",)))
