"""--compatibility: mate, molecule and kops-dns-controller legacy annotations, as external-dns v0.23's
source/compatibility.go (and pod.go for kops) reads them, on plain objects."""

from __future__ import annotations

from typing import Any

import pytest
from sourcekit import ga, node, pod, service, store

from zonekeeper.config import ConfigError, Settings
from zonekeeper.endpoint import RESOURCE_LABEL
from zonekeeper.sources import pod as pod_source
from zonekeeper.sources import service as service_source
from zonekeeper.sources.base import SourceConfig
from zonekeeper.wiring import source_config

LB = "k8s-web-0123456789.elb.us-east-1.amazonaws.com"


def rows(result: Any) -> list[tuple[str, str, tuple[str, ...], int]]:
    return sorted((e.name, e.type, e.targets, e.ttl) for e in result.endpoints)


def svc(annotations: dict[str, str], *, labels: dict[str, str] | None = None, type: str = "LoadBalancer",
        lb: tuple[str, ...] = ("192.0.2.1",)) -> dict[str, Any]:
    obj = service("web", "prod", type=type, annotations=annotations, lb=lb)
    if labels:
        obj["metadata"]["labels"] = labels
    return obj


def published(obj: dict[str, Any], mode: str, *others: dict[str, Any], **extra: Any) -> list[Any]:
    return rows(service_source.endpoints(obj, store(obj, *others), SourceConfig(compatibility=mode, **extra)))


def test_mate_reads_one_name_onto_the_load_balancer_targets() -> None:
    obj = svc({"zalando.org/dnsname": "mate.example.com"}, lb=("192.0.2.1", LB))
    assert published(obj, "mate") == [("mate.example.com", "A", ("192.0.2.1",), 0)]  # the CNAME cannot coexist
    lb_only = svc({"zalando.org/dnsname": "mate.example.com"}, lb=(LB,))
    assert published(lb_only, "mate") == [("mate.example.com", "CNAME", (LB,), 0)]
    assert published(obj, "") == []
    assert published(obj, "molecule") == []
    found = service_source.endpoints(obj, store(obj), SourceConfig(compatibility="mate")).endpoints
    assert [e.label(RESOURCE_LABEL) for e in found] == [""]  # external-dns's bare NewEndpoint: no object named


def test_molecule_needs_the_dns_route53_label_and_splits_names_without_spaces() -> None:
    notes = {"domainName": "a.example.com, b.example.com"}
    assert published(svc(notes), "molecule") == []
    assert published(svc(notes, labels={"dns": "route53"}), "molecule") == [
        ("a.example.com", "A", ("192.0.2.1",), 0), ("b.example.com", "A", ("192.0.2.1",), 0)]


def test_legacy_names_only_for_a_service_without_records_of_its_own() -> None:
    obj = svc({**ga(hostname="own.example.com"), "zalando.org/dnsname": "mate.example.com"})
    assert published(obj, "mate") == [("own.example.com", "A", ("192.0.2.1",), 0)]


def test_kops_on_a_load_balancer_reads_both_annotations() -> None:
    obj = svc({"dns.alpha.kubernetes.io/external": "ext.example.com",
               "dns.alpha.kubernetes.io/internal": "int.example.com"})
    assert published(obj, "kops-dns-controller") == [("ext.example.com", "A", ("192.0.2.1",), 0),
                                                     ("int.example.com", "A", ("192.0.2.1",), 0)]


WORKER = node("worker", external=("203.0.113.1",), internal=("10.0.0.1", "2001:db8::1"))
WORKER["metadata"]["labels"] = {"node-role.kubernetes.io/node": ""}
MASTER = node("master", external=("203.0.113.9",), internal=("10.0.0.9",))


@pytest.mark.parametrize(("annotations", "expose_v6", "expected"), [
    ({"dns.alpha.kubernetes.io/external": "np.example.com"}, False, [("np.example.com", "A", ("203.0.113.1",), 0)]),
    ({"dns.alpha.kubernetes.io/external": "np.example.com"}, True,
     [("np.example.com", "A", ("203.0.113.1",), 0), ("np.example.com", "AAAA", ("2001:db8::1",), 0)]),
    ({"dns.alpha.kubernetes.io/internal": "np.example.com"}, False,
     [("np.example.com", "A", ("10.0.0.1",), 0), ("np.example.com", "AAAA", ("2001:db8::1",), 0)]),
    ({"dns.alpha.kubernetes.io/external": "a.example.com", "dns.alpha.kubernetes.io/internal": "b.example.com"},
     False, []),  # both: nothing, as dns-controller
])
def test_kops_on_a_node_port_uses_the_node_role_nodes(annotations: dict[str, str], expose_v6: bool,
                                                       expected: list[Any]) -> None:
    obj = svc(annotations, type="NodePort", lb=())
    assert published(obj, "kops-dns-controller", WORKER, MASTER, expose_internal_ipv6=expose_v6) == expected


def test_kops_on_a_pod_internal_to_its_ip_external_to_its_node() -> None:
    p = pod("api-0", "prod", node="worker", annotations={"dns.alpha.kubernetes.io/internal": "int.example.com",
                                                         "dns.alpha.kubernetes.io/external": "ext.example.com"})
    p["status"]["podIP"] = "10.1.0.5"
    found = pod_source.endpoints(p, store(p, WORKER), SourceConfig(compatibility="kops-dns-controller"))
    assert rows(found) == [("ext.example.com", "A", ("203.0.113.1",), 0),
                           ("ext.example.com", "AAAA", ("2001:db8::1",), 0),
                           ("int.example.com", "A", ("10.1.0.5",), 0)]
    assert pod_source.endpoints(p, store(p, WORKER), SourceConfig()).endpoints == []


def test_the_flag_reaches_the_sources_and_bad_values_are_refused() -> None:
    assert source_config(Settings.of(compatibility="mate")).compatibility == "mate"
    with pytest.raises(ConfigError, match="--compatibility 'kops'"):
        Settings.of(compatibility="kops").validate()
