"""external-dns v0.23.0 and zonekeeper, given the same arguments and the same objects, write the same zone.

The tools run as CI runs them (`external-dns --once`, `zonekeeper run --once`, subprocesses) against the
real kube-apiserver and the strict Route 53 endpoint, each into a fresh copy of the zone. Then the
takeovers: zonekeeper on the zone external-dns wrote (same owner id) must plan and send nothing, and
external-dns on the zone zonekeeper wrote must send nothing either.

The catalogue (tests/compat/objects.py) is the common ground: no difference at all is allowed here. The
differences on purpose are measured in test_compat_differences.py, on objects of their own, so that the
takeovers here are held to zero changes.
"""

from __future__ import annotations

import pytest

from tests.support.external_dns import Comparison, Controllers, record_sets
from tests.support.kube import KubeCluster

from .objects import EXTERNAL_DNS_ONLY_ARGS, ZONE, catalogue, shared_args

pytestmark = [pytest.mark.kube, pytest.mark.integration, pytest.mark.timeout(300)]

NAMESPACE = "compat-records"
OWNER = "compat"

# What the catalogue asks for, written out by hand (not read from either tool): every name must be there.
EXPECTED_NAMES = {
    "web.example.com", "shop.example.com", "api.example.com", "api-v2.example.com", "dual.example.com",
    "ip4.example.com", "ip6.example.com", "multi.example.com", "other.example.com", "target.example.com",
    "legacy.example.com", "both.example.com", "*.wild.example.com", "weighted.example.com", "geo.example.com",
    "shop-ing.example.com", "www.example.com", "cdn.example.com", "secure.example.com", "secure-alt.example.com",
    "int.example.com", "annotated.example.com",
}
NEVER_PUBLISHED = {"internal.example.com", "www.example.org", "both-legacy.example.com", "elsewhere.example.com",
                   "rule-ignored.example.com", "pending.example.com"}


@pytest.fixture(scope="module")
def args(kube_cluster: KubeCluster) -> list[str]:
    kube_cluster.ensure_namespace(NAMESPACE)
    kube_cluster.apply(catalogue(NAMESPACE))
    return shared_args(str(kube_cluster.admin_kubeconfig), NAMESPACE, OWNER)


@pytest.fixture(scope="module")
def outcome(controllers: Controllers, args: list[str]) -> Comparison:
    return controllers.compare(ZONE, [*args, *EXTERNAL_DNS_ONLY_ARGS], args)


def test_external_dns_publishes_the_catalogue(outcome: Comparison) -> None:
    """The reference run itself: every expected name, nothing it must not publish, and its writes are seen
    (counted under its own key id), so the zero counts of the takeover tests below could be non-zero."""
    assert outcome.external_dns.code == 0, outcome.external_dns
    names = {r.name for r in outcome.external_dns_records if r.type != "TXT"}
    assert names == EXPECTED_NAMES, outcome.external_dns
    assert not names & NEVER_PUBLISHED
    assert outcome.external_dns_changes >= 1
    assert any(r.type == "TXT" and f"external-dns/owner={OWNER}" in r.values[0]
               for r in outcome.external_dns_records)


def test_zonekeeper_writes_the_same_record_sets(outcome: Comparison) -> None:
    assert outcome.zonekeeper.code == 0, outcome.zonekeeper
    found = outcome.differences()
    assert not found, "\n".join(found.values())
    # Records and their TXT, with aliases, weights and TTLs: not a vacuous match.
    assert len(outcome.zonekeeper_records) > 2 * len(EXPECTED_NAMES)


def test_takeover_from_external_dns_plans_and_sends_no_change(outcome: Comparison) -> None:
    assert outcome.takeover_plan.code == 0, outcome.takeover_plan
    assert outcome.takeover_run.code == 0, outcome.takeover_run
    assert outcome.takeover_changes == []


def test_back_to_external_dns_sends_no_change(outcome: Comparison) -> None:
    assert outcome.back_run.code == 0, outcome.back_run
    assert outcome.back_changes == []


def test_zonekeeper_takes_external_dns_legacy_prefix_flag(controllers: Controllers, args: list[str],
                                                          outcome: Comparison) -> None:
    controllers.route53.reset()
    zone_id = controllers.route53.create_zone(ZONE)
    run = controllers.zonekeeper("run", "--once", *args, *EXTERNAL_DNS_ONLY_ARGS)
    assert run.code == 0, run
    assert record_sets(controllers.route53, zone_id, ZONE) == outcome.external_dns_records
