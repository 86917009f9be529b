"""--resolve-service-load-balancer-hostname: a LoadBalancer Service's status hostnames are published as
the addresses the edge resolved them to (SourceConfig.resolved_hostnames), as external-dns's
extractLoadBalancerTargets does with net.LookupIP."""

from __future__ import annotations

from typing import Any

from sourcekit import ga, reasons, records, service, store

from zonekeeper.sources import service as source
from zonekeeper.sources.base import SourceConfig, SourceResult

NLB = "web-0123.elb.us-east-1.amazonaws.com"
OTHER = "api-4567.elb.us-east-1.amazonaws.com"


def run(svc: dict[str, Any], table: dict[str, tuple[str, ...]] | None) -> SourceResult:
    return source.endpoints(svc, store(svc), SourceConfig(resolved_hostnames=table))


def web(*lb: str, **spec: Any) -> dict[str, Any]:
    return service(annotations=ga(hostname="web.example.com"), lb=lb, **spec)


def test_a_resolved_hostname_is_published_as_its_addresses() -> None:
    result = run(web(NLB), {NLB: ("192.0.2.10", "192.0.2.11")})
    assert records(result) == ["web.example.com A -> 192.0.2.10,192.0.2.11"]
    assert result.problems == []


def test_ipv6_addresses_give_an_aaaa_record_beside_the_a_record() -> None:
    result = run(web(NLB), {NLB: ("192.0.2.10", "2001:db8::10")})
    assert records(result) == ["web.example.com A -> 192.0.2.10", "web.example.com AAAA -> 2001:db8::10"]


def test_several_ingress_entries_are_resolved_and_merged_with_ips() -> None:
    result = run(web(NLB, "198.51.100.7", OTHER), {NLB: ("192.0.2.10",), OTHER: ("192.0.2.20", "192.0.2.10")})
    assert records(result) == ["web.example.com A -> 192.0.2.10,192.0.2.20,198.51.100.7"]


def test_an_unresolvable_hostname_is_skipped_with_a_problem_naming_it() -> None:
    result = run(web(NLB, OTHER), {NLB: (), OTHER: ("192.0.2.20",)})
    assert records(result) == ["web.example.com A -> 192.0.2.20"]
    assert reasons(result) == ["UnresolvableHostname"]
    assert result.problems[0].subject == "service/default/web"
    assert NLB in result.problems[0].message


def test_a_hostname_not_resolved_yet_is_skipped_like_an_unresolvable_one() -> None:
    result = run(web(NLB), {})
    assert records(result) == []
    assert reasons(result) == ["UnresolvableHostname"]
    assert NLB in result.problems[0].message


def test_external_ips_still_win() -> None:
    result = run(web(NLB, externalIPs=["198.51.100.1"]), {NLB: ("192.0.2.10",)})
    assert records(result) == ["web.example.com A -> 198.51.100.1"]
    assert result.problems == []


def test_without_the_flag_the_hostname_is_a_cname() -> None:
    result = run(web(NLB), None)
    assert records(result) == [f"web.example.com CNAME -> {NLB}"]
