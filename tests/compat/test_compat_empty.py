"""external-dns v0.23.0 and zonekeeper with --source=empty: neither publishes anything, and each takes
over the other's (empty) zone without a change."""

from __future__ import annotations

import pytest

from tests.support.external_dns import Comparison, Controllers
from tests.support.kube import KubeCluster

from .objects import EXTERNAL_DNS_ONLY_ARGS, ZONE, shared_args

pytestmark = [pytest.mark.kube, pytest.mark.integration, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def outcome(controllers: Controllers, kube_cluster: KubeCluster) -> Comparison:
    kube_cluster.ensure_namespace("compat-empty")
    args = [a for a in shared_args(str(kube_cluster.admin_kubeconfig), "compat-empty", "compat")
            if not a.startswith("--source=")] + ["--source=empty"]
    return controllers.compare(ZONE, [*args, *EXTERNAL_DNS_ONLY_ARGS], args)


def test_neither_publishes_anything_and_takeover_changes_nothing(outcome: Comparison) -> None:
    assert (outcome.external_dns.code, outcome.zonekeeper.code) == (0, 0), (outcome.external_dns, outcome.zonekeeper)
    assert [r for r in outcome.external_dns_records if r.type not in ("SOA", "NS")] == []
    assert [r for r in outcome.zonekeeper_records if r.type not in ("SOA", "NS")] == []
    assert not outcome.differences()
    assert (outcome.takeover_plan.code, outcome.takeover_run.code, outcome.back_run.code) == (0, 0, 0)
    assert outcome.takeover_changes == outcome.back_changes == []
