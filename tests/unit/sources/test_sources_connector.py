"""The connector source's pure part (sources/connector.py): MergeEndpoints and the checks, on values
decoded from Go's own gob bytes (tests/unit/test_gob.py's SAMPLE) and on plain decoded values."""

from __future__ import annotations

from tests.unit.test_gob import SAMPLE
from zonekeeper.endpoint import Endpoint
from zonekeeper.sources import connector, gob


def test_endpoints_from_what_go_encoded() -> None:
    result = connector.endpoints(gob.decode(SAMPLE), "127.0.0.1:8080")
    assert result.problems == []
    assert sorted(result.endpoints, key=lambda e: e.name) == [
        Endpoint.new("txt.example.org", "TXT", ["v=1"]),
        Endpoint.new("w.example.org", "CNAME", ["lb-1.eu-west-1.elb.amazonaws.com"], set_identifier="eu",
                     provider_specific={"aws/weight": "10", "alias": "true"}),
        Endpoint.new("web.example.org", "A", ["10.0.0.1", "10.0.0.2"], ttl=300, labels={"team": "blue"}),
    ]


def test_merge_joins_same_name_type_identifier_and_ttl_first_labels_win() -> None:
    value = [
        {"DNSName": "a.example.org", "RecordType": "A", "Targets": ["10.0.0.2"], "Labels": {"x": "1"}},
        {"DNSName": "a.example.org", "RecordType": "A", "Targets": ["10.0.0.1", "10.0.0.2"], "Labels": {"x": "2"}},
        {"DNSName": "a.example.org", "RecordType": "A", "Targets": ["10.0.0.3"], "RecordTTL": 60},
        {"DNSName": "c.example.org", "RecordType": "CNAME", "Targets": []},
    ]
    assert connector.merge(value) == [
        {"DNSName": "a.example.org", "RecordType": "A", "Targets": ["10.0.0.1", "10.0.0.2"], "Labels": {"x": "1"}},
        {"DNSName": "a.example.org", "RecordType": "A", "Targets": ["10.0.0.3"], "RecordTTL": 60},
    ]


def test_a_bad_endpoint_is_a_problem_naming_the_server() -> None:
    result = connector.endpoints([{"DNSName": "b.example.org", "RecordType": "A", "Targets": ["nope"]}], "srv:1")
    assert result.endpoints == []
    assert [p.subject for p in result.problems] == ["connector/srv:1"]
    assert "endpoints[0] (b.example.org)" in result.problems[0].message
