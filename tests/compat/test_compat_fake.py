"""external-dns v0.23.0 and zonekeeper with --source=fake --once, same flags, on the strict Route 53.

Both draw the same records from Go's seed 9673 (one pass each: the first draw). Every fake endpoint
carries SetIdentifier "fake" and no routing policy, which Route 53 refuses ("Expected exactly one of
[Weight, Region, ...]"): external-dns sends them and gets the batch refused, zonekeeper refuses each
change itself (aws_rules) and reports it. The zone ends with the same (no) records either way.
The takeover checks do not apply as for other sources: with nothing published there is nothing to
take over, and a random source gives the same names only to a process's first pass.
"""

from __future__ import annotations

import pytest

from tests.support.external_dns import Comparison, Controllers
from tests.support.kube import KubeCluster

from .objects import EXTERNAL_DNS_ONLY_ARGS, ZONE, shared_args

pytestmark = [pytest.mark.kube, pytest.mark.integration, pytest.mark.timeout(300)]

FIRST_DRAW_A = "quhw.example.com"  # external-dns's first A name for seed 9673 (its debug log)


@pytest.fixture(scope="module")
def outcome(controllers: Controllers, kube_cluster: KubeCluster) -> Comparison:
    kube_cluster.ensure_namespace("compat-fake")
    args = [a for a in shared_args(str(kube_cluster.admin_kubeconfig), "compat-fake", "compat")
            if not a.startswith("--source=")] + ["--source=fake", f"--fqdn-template={ZONE}"]
    return controllers.compare(ZONE, [*args, *EXTERNAL_DNS_ONLY_ARGS], args)


def test_both_draw_the_same_records_and_route53_keeps_the_same_set(outcome: Comparison) -> None:
    assert FIRST_DRAW_A in outcome.external_dns.output, outcome.external_dns
    assert FIRST_DRAW_A in outcome.zonekeeper.output, outcome.zonekeeper
    assert not outcome.differences(), outcome.differences()
    assert outcome.external_dns_records == outcome.zonekeeper_records


def test_route53_refuses_what_external_dns_sends_and_zonekeeper_refuses_it_before_sending(outcome: Comparison
                                                                                         ) -> None:
    # external-dns: batches refused by Route 53, exit 1; zonekeeper: each change refused and reported
    # (A, AAAA and CNAME: the default --managed-record-types), nothing sent, exit 3 (done, with refusals).
    assert (outcome.external_dns.code, outcome.zonekeeper.code) == (1, 3), (outcome.external_dns, outcome.zonekeeper)
    assert outcome.external_dns_changes > 0
    assert "but found none in Change with [Action=CREATE, Name=a-quhw.example.com, Type=TXT, SetIdentifier=fake]" \
        in outcome.external_dns.output
    refused = [line for line in outcome.zonekeeper.output.splitlines()
               if "set identifier 'fake' needs a routing policy" in line]
    assert len(refused) == 3, outcome.zonekeeper
    assert outcome.takeover_changes == [], outcome.takeover_changes
