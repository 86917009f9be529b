from __future__ import annotations

from typing import Any

import pytest
from sourcekit import alpha, ga, ingress, reasons, records, store

from zonekeeper.sources import ingress as source
from zonekeeper.sources.base import SourceConfig, SourceResult
from zonekeeper.sources.objects import INGRESSES

ALB = "k8s-shop-1234567890.us-east-1.elb.amazonaws.com"
CONFIG = SourceConfig()


def run(obj: dict[str, Any], config: SourceConfig = CONFIG) -> SourceResult:
    return source.endpoints(obj, store(obj), config)


def test_rules_and_tls_hosts_with_load_balancer_hostname() -> None:
    result = run(
        ingress(
            hosts=("example.com", "www.example.com"),
            tls_hosts=("www.example.com", "tls.example.com"),
            lb=(ALB,),
        )
    )
    assert records(result) == [
        f"example.com CNAME -> {ALB}",
        f"tls.example.com CNAME -> {ALB}",
        f"www.example.com CNAME -> {ALB}",
    ]
    assert {e.resource for e in result.endpoints} == {"ingress/default/shop"}
    assert result.problems == []


def test_load_balancer_ips() -> None:
    assert records(run(ingress(hosts=("a.example.com",), lb=("1.2.3.4", "2001:db8::1")))) == [
        "a.example.com A -> 1.2.3.4",
        "a.example.com AAAA -> 2001:db8::1",
    ]


def test_rules_without_host_are_skipped() -> None:
    obj = ingress(hosts=("a.example.com",), lb=("1.2.3.4",))
    obj["spec"]["rules"].append({"http": {}})
    assert records(run(obj)) == ["a.example.com A -> 1.2.3.4"]


def test_hostname_annotation_adds_hosts() -> None:
    obj = ingress(hosts=("a.example.com",), annotations=alpha(hostname="b.example.com"), lb=("1.2.3.4",))
    assert records(run(obj)) == ["a.example.com A -> 1.2.3.4", "b.example.com A -> 1.2.3.4"]
    assert records(run(obj, SourceConfig(ignore_hostname_annotation=True))) == ["a.example.com A -> 1.2.3.4"]


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (SourceConfig(ignore_ingress_rules_spec=True), ["tls.example.com A -> 1.2.3.4"]),
        (SourceConfig(ignore_ingress_tls_spec=True), ["rule.example.com A -> 1.2.3.4"]),
        (SourceConfig(ignore_ingress_rules_spec=True, ignore_ingress_tls_spec=True), []),
    ],
)
def test_ignore_rules_and_tls(config: SourceConfig, expected: list[str]) -> None:
    obj = ingress(hosts=("rule.example.com",), tls_hosts=("tls.example.com",), lb=("1.2.3.4",))
    assert records(run(obj, config)) == expected


@pytest.mark.parametrize(
    ("value", "expected", "problem"),
    [
        ("defined-hosts-only", ["rule.example.com A -> 1.2.3.4"], False),
        ("annotation-only", ["annotated.example.com A -> 1.2.3.4"], False),
        ("Annotation-Only", ["annotated.example.com A -> 1.2.3.4"], False),
        ("both-please", ["annotated.example.com A -> 1.2.3.4", "rule.example.com A -> 1.2.3.4"], True),
    ],
)
def test_ingress_hostname_source(value: str, expected: list[str], problem: bool) -> None:
    annotations = ga(hostname="annotated.example.com", ingress_hostname_source=value)
    result = run(ingress(hosts=("rule.example.com",), annotations=annotations, lb=("1.2.3.4",)))
    assert records(result) == expected
    assert bool(result.problems) is problem


def test_target_annotation_overrides_status() -> None:
    obj = ingress(hosts=("a.example.com",), annotations=ga(target="lb.example.net"), lb=("1.2.3.4",))
    assert records(run(obj)) == ["a.example.com CNAME -> lb.example.net"]


def test_wildcard_hosts_are_records() -> None:
    assert records(run(ingress(hosts=("*.apps.example.com",), lb=(ALB,)))) == [
        f"*.apps.example.com CNAME -> {ALB}"
    ]


def test_invalid_rule_host_names_the_field() -> None:
    result = run(ingress(hosts=("ok.example.com", "bad_-.example..com"), lb=("1.2.3.4",)))
    assert records(result) == ["ok.example.com A -> 1.2.3.4"]
    assert reasons(result) == ["InvalidHostname"]
    assert "spec.rules[1].host" in result.problems[0].message
    assert result.problems[0].subject == "ingress/default/shop"


def test_no_status_no_records() -> None:
    assert run(ingress(hosts=("a.example.com",))).endpoints == []


def test_common_annotations() -> None:
    obj = ingress(
        hosts=("a.example.com",), annotations=ga(ttl="2m", aws_evaluate_target_health="false"), lb=(ALB,)
    )
    endpoint = run(obj).endpoints[0]
    assert endpoint.ttl == 120
    assert endpoint.prop("aws/evaluate-target-health") == "false"


def test_controller_annotation() -> None:
    obj = ingress(hosts=("a.example.com",), annotations=ga(controller="nginx"), lb=("1.2.3.4",))
    assert run(obj) == SourceResult()


@pytest.mark.parametrize(
    ("class_name", "legacy", "classes", "published"),
    [
        (None, None, (), True),
        ("alb", None, ("alb",), True),
        ("nginx", None, ("alb",), False),
        (None, "alb", ("alb", "other"), True),
        (None, "nginx", ("alb",), False),
        (None, None, ("alb",), False),
        ("nginx", "alb", ("alb",), True),
    ],
)
def test_ingress_class_filter(
    class_name: str | None, legacy: str | None, classes: tuple[str, ...], published: bool
) -> None:
    annotations = {"kubernetes.io/ingress.class": legacy} if legacy else None
    obj = ingress(hosts=("a.example.com",), class_name=class_name, annotations=annotations, lb=("1.2.3.4",))
    assert bool(run(obj, SourceConfig(ingress_classes=classes)).endpoints) is published


def test_dependents() -> None:
    obj = ingress()
    assert list(source.SPEC.dependents(INGRESSES, obj, store(obj))) == [("default", "shop")]
    assert list(source.SPEC.dependents("services", obj, store(obj))) == []
