from __future__ import annotations

from types import MappingProxyType

import pytest
from sourcekit import reasons, records

from zonekeeper.endpoint import Endpoint
from zonekeeper.sources.common import as_str, dig, endpoints_for_hostname, load_balancer_targets, selector_matches
from zonekeeper.sources.objects import meta

RES = "service/default/web"


def build(*targets: str) -> list[Endpoint]:
    return endpoints_for_hostname("Web.Example.com.", list(targets), 0, "", {}, RES).endpoints


def test_targets_grouped_by_type() -> None:
    result = endpoints_for_hostname(
        "web.example.com", ["1.2.3.4", "2001:db8::1", "5.6.7.8"], 60, "id", {"a": "b"}, RES
    )
    assert records(result) == [
        "web.example.com A [id] -> 1.2.3.4,5.6.7.8",
        "web.example.com AAAA [id] -> 2001:db8::1",
    ]
    for endpoint in result.endpoints:
        assert endpoint.ttl == 60
        assert endpoint.set_identifier == "id"
        assert endpoint.provider_specific == (("a", "b"),)
        assert endpoint.labels == (("resource", RES),)
    assert result.problems == []


def test_single_cname() -> None:
    endpoints = build("LB.Example.net.")
    assert [str(e) for e in endpoints] == ["web.example.com CNAME -> lb.example.net"]


def test_several_hostname_targets_keep_the_lexically_first() -> None:
    result = endpoints_for_hostname(
        "web.example.com", ["z.example.net", "b.example.net", "m.example.net"], 0, "", {}, RES
    )
    assert records(result) == ["web.example.com CNAME -> b.example.net"]
    assert reasons(result) == ["MultipleCNAMETargets"]
    message = result.problems[0].message
    assert "b.example.net" in message and "m.example.net, z.example.net" in message
    assert result.problems[0].subject == RES


def test_address_targets_win_over_hostname_targets() -> None:
    result = endpoints_for_hostname("web.example.com", ["lb.example.net", "1.2.3.4"], 0, "", {}, RES)
    assert records(result) == ["web.example.com A -> 1.2.3.4"]
    assert reasons(result) == ["ConflictingTargets"]


def test_invalid_targets_are_reported_and_skipped() -> None:
    result = endpoints_for_hostname("web.example.com", ["1.2.3.999", "", "5.6.7.8"], 0, "", {}, RES)
    assert records(result) == ["web.example.com A -> 5.6.7.8"]
    assert reasons(result) == ["InvalidTarget"]
    assert "'1.2.3.999'" in result.problems[0].message


def test_duplicate_targets_collapse() -> None:
    assert [e.targets for e in build("1.2.3.4", "1.2.3.4", "a.example.net", "A.example.net.")] == [
        ("1.2.3.4",),
    ]


def test_no_targets_no_endpoints() -> None:
    result = endpoints_for_hostname("web.example.com", [], 0, "", {}, RES)
    assert result.endpoints == [] and result.problems == []


def test_load_balancer_targets_modes() -> None:
    obj = {
        "status": {
            "loadBalancer": {"ingress": [{"ip": "1.2.3.4", "hostname": "lb.example.net"}, {"hostname": "x"}]}
        }
    }
    assert load_balancer_targets(obj) == ["1.2.3.4", "lb.example.net", "x"]
    assert load_balancer_targets(obj, ip_and_hostname=False) == ["1.2.3.4", "x"]
    assert load_balancer_targets({"status": {"loadBalancer": None}}) == []


@pytest.mark.parametrize(
    ("selector", "labels", "expected"),
    [
        ({"a": "1"}, {"a": "1", "b": "2"}, True),
        ({"a": "1", "b": "2"}, {"a": "1"}, False),
        ({"a": "1"}, {"a": "2"}, False),
        ({}, {"a": "1"}, True),
    ],
)
def test_selector_matches(selector: dict[str, str], labels: dict[str, str], expected: bool) -> None:
    assert selector_matches(selector, labels) is expected


def test_metadata_dig_and_strings_take_any_mapping_and_refuse_anything_else() -> None:
    # The informer's frozen objects are Mappings that are not dicts; a hostile file's metadata may be text.
    frozen = MappingProxyType({"name": "web", "spec": MappingProxyType({"type": "LoadBalancer"})})
    assert meta({"metadata": frozen}) is frozen and meta({"metadata": {"name": "web"}}) == {"name": "web"}
    assert meta({"metadata": "web"}) == {} and meta({"metadata": ["web"]}) == {} and meta({}) == {}
    assert dig({"a": frozen}, "a", "spec", "type") == "LoadBalancer" == dig({"a": {"b": "LoadBalancer"}}, "a", "b")
    assert dig({"a": "text"}, "a", "b") is None and dig({"a": ["b"]}, "a", "b") is None
    assert as_str("web") == "web" and as_str(80) == "80" and as_str(None) == ""
    assert as_str(frozen) == "" and as_str({"a": 1}) == "" and as_str(["a"]) == "" and as_str(("a",)) == ""
