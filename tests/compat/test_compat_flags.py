"""external-dns v0.23.0 and zonekeeper with the flags zonekeeper took on last (issue 9): the same objects, the
same arguments, on the real apiserver and the strict Route 53. For each: external-dns writes what the
objects ask for (EXPECTED, written out by hand from the objects and external-dns's source, not read from
either tool), zonekeeper writes the very same record sets, TXT included, and taking over either way
sends no change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.support.external_dns import Comparison, Controllers
from tests.support.kube import KubeCluster

from .objects import GA, NLB_US_EAST_1, ZONE, service, shared_args

pytestmark = [pytest.mark.kube, pytest.mark.integration, pytest.mark.timeout(300)]

OWNER = "compat"
NLB_ZONE = "Z26RNL4JYFTOTI"  # us-east-1's NLB canonical hosted zone


@dataclass(frozen=True)
class Case:
    namespace: str
    objects: list[dict[str, Any]]
    args: tuple[str, ...]
    # (name, type) -> the values (or the alias target and its zone), TXT records aside
    expected: dict[tuple[str, str], Any]


def _labelled(obj: dict[str, Any], labels: dict[str, str]) -> dict[str, Any]:
    obj["metadata"]["labels"] = labels
    return obj


def _cases() -> dict[str, Case]:
    h = GA + "hostname"
    return {
        "nat64": Case("compat-nat64", [service("nat64", "compat-nat64", {h: "nat64.example.com"}, "64:ff9b::c000:207")],
                      ("--nat64-networks=64:ff9b::/96",),
                      {("nat64.example.com", "AAAA"): ("64:ff9b::c000:207",),
                       ("nat64.example.com", "A"): ("192.0.2.7",)}),
        "prefer-alias": Case("compat-prefer-alias",
                             [service("pa", "compat-prefer-alias", {h: "pa.example.com"}, NLB_US_EAST_1)],
                             ("--aws-prefer-cname", "--prefer-alias"),
                             {("pa.example.com", "A"): (NLB_US_EAST_1, NLB_ZONE),
                              ("pa.example.com", "AAAA"): (NLB_US_EAST_1, NLB_ZONE)}),
        "fqdn-target-template": Case(
            "compat-fqdn-target",
            [service("ft", "compat-fqdn-target", {}, "192.0.2.44"),
             service("own", "compat-fqdn-target", {h: "own-ft.example.com"}, "192.0.2.45")],
            ("--fqdn-target-template={{.Name}}.ft.example.com:192.0.2.46,{{.Name}}.ft.example.com:2001:db8::46",
             "--target-template=192.0.2.99"),  # read by none of these sources, in either tool
            {("ft.ft.example.com", "A"): ("192.0.2.46",), ("ft.ft.example.com", "AAAA"): ("2001:db8::46",),
             ("own-ft.example.com", "A"): ("192.0.2.45",)}),
        "mate": Case("compat-mate", [service("mate", "compat-mate", {"zalando.org/dnsname": "mate.example.com"},
                                             "192.0.2.47")],
                     ("--compatibility=mate",), {("mate.example.com", "A"): ("192.0.2.47",)}),
        "molecule": Case("compat-molecule",
                         [_labelled(service("mol", "compat-molecule",
                                            {"domainName": "mol-a.example.com, mol-b.example.com"}, "192.0.2.48"),
                                    {"dns": "route53"}),
                          service("unlabelled", "compat-molecule", {"domainName": "mol-c.example.com"}, "192.0.2.49")],
                         ("--compatibility=molecule",),
                         {("mol-a.example.com", "A"): ("192.0.2.48",), ("mol-b.example.com", "A"): ("192.0.2.48",)}),
        "kops-dns-controller": Case(
            "compat-kops",
            [service("kops", "compat-kops", {"dns.alpha.kubernetes.io/external": "kops-ext.example.com",
                                             "dns.alpha.kubernetes.io/internal": "kops-int.example.com"}, NLB_US_EAST_1)],
            ("--compatibility=kops-dns-controller",),
            {("kops-ext.example.com", "A"): (NLB_US_EAST_1, NLB_ZONE),
             ("kops-ext.example.com", "AAAA"): (NLB_US_EAST_1, NLB_ZONE),
             ("kops-int.example.com", "A"): (NLB_US_EAST_1, NLB_ZONE),
             ("kops-int.example.com", "AAAA"): (NLB_US_EAST_1, NLB_ZONE)}),
    }


CASES = _cases()


@pytest.fixture(scope="module", params=sorted(CASES))
def outcome(request: pytest.FixtureRequest, controllers: Controllers, kube_cluster: KubeCluster
            ) -> tuple[Case, Comparison]:
    case = CASES[request.param]
    kube_cluster.ensure_namespace(case.namespace)
    kube_cluster.apply(case.objects)
    args = [*shared_args(str(kube_cluster.admin_kubeconfig), case.namespace, OWNER), *case.args]
    return case, controllers.compare(ZONE, args, args)


def test_external_dns_writes_what_the_objects_ask_for(outcome: tuple[Case, Comparison]) -> None:
    case, found = outcome
    assert found.external_dns.code == 0, found.external_dns
    got = {(r.name, r.type): r.alias[:2] if r.alias else r.values for r in found.external_dns_records
           if r.type != "TXT"}
    assert got == case.expected, found.external_dns


def test_zonekeeper_writes_the_same_record_sets(outcome: tuple[Case, Comparison]) -> None:
    _, found = outcome
    assert found.zonekeeper.code == 0, found.zonekeeper
    differences = found.differences()
    assert not differences, "\n".join(differences.values())


def test_taking_over_either_way_sends_no_change(outcome: tuple[Case, Comparison]) -> None:
    _, found = outcome
    assert found.takeover_plan.code == 0, found.takeover_plan
    assert found.takeover_changes == []
    assert found.back_run.code == 0, found.back_run
    assert found.back_changes == []
