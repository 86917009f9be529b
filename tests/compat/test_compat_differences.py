"""Where external-dns v0.23.0 and zonekeeper differ, measured on objects of their own (docs/migration.md).

The intended differences are listed exactly (tests/compat/differences.py, which docs/migration.md's table
is generated from): a difference that appears, or one that goes away, fails the test, so the list and the
guide stay true. The takeovers are measured too: each way, only the listed records may change.

One more difference is not intended: external-dns v0.23 merges the targets of objects asking for the same
name (``endpoint.MergeEndpoints`` in every source), zonekeeper keeps one object's and reports a Conflict. It
is an xfail(strict=True) until zonekeeper merges too.
"""

from __future__ import annotations

import pytest

from tests.support.external_dns import Comparison, Controllers, changed_keys
from tests.support.kube import KubeCluster

from .differences import changed_going_back, intended
from .objects import ZONE, differing, merging, shared_args

pytestmark = [pytest.mark.kube, pytest.mark.integration, pytest.mark.timeout(300)]

OWNER = "compat"
DIFFERENCES_NS = "compat-differences"
MERGE_NS = "compat-merge"

# (name, type, set identifier) -> why, from the one list the migration guide is generated from.
INTENDED = intended()


@pytest.fixture(scope="module")
def differing_outcome(controllers: Controllers, kube_cluster: KubeCluster) -> Comparison:
    kube_cluster.ensure_namespace(DIFFERENCES_NS)
    kube_cluster.apply(differing(DIFFERENCES_NS))
    args = shared_args(str(kube_cluster.admin_kubeconfig), DIFFERENCES_NS, OWNER)
    return controllers.compare(ZONE, args, args)


def test_the_differences_are_exactly_the_intended_ones(differing_outcome: Comparison) -> None:
    assert differing_outcome.external_dns.code == 0, differing_outcome.external_dns
    assert differing_outcome.zonekeeper.code == 0, differing_outcome.zonekeeper
    found = differing_outcome.differences()
    assert set(found) == set(INTENDED), "\n".join(found.values())


def test_taking_over_changes_only_the_intended_differences(differing_outcome: Comparison) -> None:
    """zonekeeper on external-dns's zone: it creates what external-dns skipped and replaces the alias it
    did not honour -- every listed record, nothing else."""
    assert differing_outcome.takeover_plan.code == 2, differing_outcome.takeover_plan  # changes pending
    assert differing_outcome.takeover_run.code == 0, differing_outcome.takeover_run
    assert changed_keys(differing_outcome.takeover_changes) == set(INTENDED)


def test_going_back_changes_only_intended_differences(differing_outcome: Comparison) -> None:
    """external-dns on zonekeeper's zone: it deletes what it does not read (the legacy-prefix object) and
    puts its alias back; the mixed-case name it keeps (its plan matches names case-blind)."""
    assert differing_outcome.back_run.code == 0, differing_outcome.back_run
    assert changed_keys(differing_outcome.back_changes) == changed_going_back()
    deleted = changed_keys(c for c in differing_outcome.back_changes if c["Action"] == "DELETE")
    created = changed_keys(c for c in differing_outcome.back_changes if c["Action"] != "DELETE")
    assert changed_going_back("deleted") <= deleted - created


def test_two_objects_asking_for_one_name_share_it(controllers: Controllers, kube_cluster: KubeCluster) -> None:
    kube_cluster.ensure_namespace(MERGE_NS)
    kube_cluster.apply(merging(MERGE_NS))
    args = shared_args(str(kube_cluster.admin_kubeconfig), MERGE_NS, OWNER)
    outcome = controllers.compare(ZONE, args, args)
    assert outcome.external_dns.code == 0, outcome.external_dns
    assert [r.values for r in outcome.external_dns_records if r.type == "A"] == [("192.0.2.61", "192.0.2.62")]
    assert outcome.takeover_changes == []
    assert outcome.zonekeeper.code == 0, outcome.zonekeeper
    assert outcome.differences() == {}


def test_external_dns_reading_flags_leave_only_the_mixed_case_difference(
        controllers: Controllers, kube_cluster: KubeCluster, differing_outcome: Comparison) -> None:
    """With external-dns v0.23's reading of prefixes and `alias` values, zonekeeper differs from it on the
    same objects only where zonekeeper lower-cases a name."""
    args = shared_args(str(kube_cluster.admin_kubeconfig), DIFFERENCES_NS, OWNER)
    outcome = controllers.compare(ZONE, args, [*args, "--no-enable-legacy-annotation-prefix",
                                               "--alias-annotation=external-dns"])
    assert outcome.zonekeeper.code == 0, outcome.zonekeeper
    mixed = {("mixed.example.com", "A", ""), ("a-mixed.example.com", "TXT", "")}
    assert set(outcome.differences()) == mixed
