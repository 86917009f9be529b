"""Bad values are rejected and reported, never rewritten into something else (issue 7, item 9)."""

from __future__ import annotations

import pytest
from sourcekit import GA, ga, service

from zonekeeper import annotations as ann
from zonekeeper.sources import SOURCES, run_one
from zonekeeper.sources.base import SourceConfig
from zonekeeper.sources.objects import ObjectStore

SUBJECT = "service/default/web"


def _service_result(annotations: dict[str, str]) -> tuple[list[str], list[str]]:
    svc = service(annotations=annotations, lb=("203.0.113.7",))
    result = run_one(SOURCES["service"].only, svc, ObjectStore([svc]), SourceConfig())
    return [str(e) for e in result.endpoints], [p.message for p in result.problems]


@pytest.mark.parametrize("bad", ["sp ace.example.com", "a\tb.example.com", "x.example.com..", "x.example.com. ."])
def test_a_hostname_with_spaces_or_two_root_dots_is_rejected_not_rewritten(bad: str) -> None:
    names, problems = ann.hostnames(service(annotations=ga(hostname=f"ok.example.com,{bad}")), "hostname", SUBJECT, prefixes=ann.PREFIXES)
    assert names == ["ok.example.com"]
    assert len(problems) == 1 and repr(bad) in problems[0].message
    assert problems[0].reason == ann.INVALID_HOSTNAME


def test_space_separated_hostnames_are_not_glued_together() -> None:
    endpoints, problems = _service_result(ga(hostname="sp ace.example.com"))
    assert endpoints == []
    assert any("'sp ace.example.com'" in m for m in problems), problems


def test_one_root_dot_is_still_fine() -> None:
    names, problems = ann.hostnames(service(annotations=ga(hostname="x.example.com.")), "hostname", SUBJECT, prefixes=ann.PREFIXES)
    assert (names, problems) == (["x.example.com"], [])


def test_an_empty_entry_in_a_hostname_list_is_reported() -> None:
    names, problems = ann.hostnames(service(annotations=ga(hostname="a.example.com,,b.example.com")), "hostname",
                                    SUBJECT, prefixes=ann.PREFIXES)
    assert names == ["a.example.com", "b.example.com"]
    assert [p.reason for p in problems] == [ann.INVALID_HOSTNAME]
    assert "empty" in problems[0].message


@pytest.mark.parametrize("value", [",,,", " , ", ", ,"])
def test_a_target_annotation_without_targets_does_not_fall_back_to_the_load_balancer(value: str) -> None:
    endpoints, problems = _service_result({**ga(hostname="web.example.com"), GA + "target": value})
    assert endpoints == []  # not 203.0.113.7 from status.loadBalancer
    assert problems and all("target" in m for m in problems), problems


@pytest.mark.parametrize("bad", ["lb.example.net..", "l b.example.net"])
def test_targets_with_two_root_dots_or_spaces_are_rejected(bad: str) -> None:
    targets, problems = ann.targets(service(annotations=ga(target=f"{bad},5.6.7.8")), SUBJECT, prefixes=ann.PREFIXES)
    assert targets == ["5.6.7.8"]
    assert [p.reason for p in problems] == [ann.INVALID_TARGET] and repr(bad) in problems[0].message


def test_a_load_balancer_hostname_with_two_root_dots_is_rejected() -> None:
    svc = service(annotations=ga(hostname="web.example.com"))
    svc["status"] = {"loadBalancer": {"ingress": [{"hostname": "lb.example.net.."}]}}
    result = run_one(SOURCES["service"].only, svc, ObjectStore([svc]), SourceConfig())
    assert result.endpoints == []
    assert [p.reason for p in result.problems] == [ann.INVALID_TARGET]


@pytest.mark.parametrize("bad", ["abcd-1234", "not a uuid", "{0f9e8d7c-6b5a-4938-8271-605f4e3d2c1b}",
                                 "0f9e8d7c6b5a49388271605f4e3d2c1b", "0f9e8d7c-6b5a-4938-8271-605f4e3d2c1b-x", ""])
def test_a_health_check_id_must_be_a_uuid(bad: str) -> None:
    props, problems = ann.provider_specific(service(annotations=ga(aws_health_check_id=bad)), SUBJECT, prefixes=ann.PREFIXES)
    assert "aws/health-check-id" not in props
    assert [p.reason for p in problems] == [ann.INVALID_ANNOTATION]


def test_a_uuid_health_check_id_is_kept_as_written() -> None:
    good = "0f9e8d7c-6b5a-4938-8271-605f4e3d2c1b"
    props, problems = ann.provider_specific(service(annotations=ga(aws_health_check_id=good)), SUBJECT, prefixes=ann.PREFIXES)
    assert (props, problems) == ({"aws/health-check-id": good}, [])
