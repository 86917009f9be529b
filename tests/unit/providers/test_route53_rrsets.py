"""Record set helpers on plain data: which record sets are read, when one is the same as another
(and so need not be kept raw beside its canonical form), and the canonical (name, type) of one."""

from __future__ import annotations

from zonekeeper.providers.base import Zone
from zonekeeper.providers.route53.rrsets import canonical_key, is_read, same_rrset

ZONE = Zone(id="Z0EXAMPLE", name="example.com")


def test_only_record_types_zonekeeper_manages_are_read_and_never_the_apex_ns() -> None:
    assert is_read({"Name": "web.example.com.", "Type": "A"}, ZONE) is True
    assert is_read({"Name": "sub.example.com.", "Type": "NS"}, ZONE) is True  # a delegation below the apex
    assert is_read({"Name": "example.com.", "Type": "NS"}, ZONE) is False
    assert is_read({"Name": "Example.COM.", "Type": "NS"}, ZONE) is False
    assert is_read({"Name": "example.com.", "Type": "SOA"}, ZONE) is False
    assert is_read({"Name": "web.example.com.", "Type": "DS"}, ZONE) is False


def test_record_sets_are_the_same_whatever_the_order_of_their_values() -> None:
    a = {"Name": "web.example.com.", "Type": "A", "TTL": 60,
         "ResourceRecords": [{"Value": "192.0.2.2"}, {"Value": "192.0.2.1"}]}
    b = {"Name": "web.example.com.", "Type": "A", "TTL": 60,
         "ResourceRecords": [{"Value": "192.0.2.1"}, {"Value": "192.0.2.2"}]}
    assert same_rrset(a, b) is True
    assert same_rrset(a, {**b, "TTL": 300}) is False
    assert same_rrset(a, {**b, "ResourceRecords": [{"Value": "192.0.2.1"}]}) is False
    assert same_rrset({"Name": "\\052.example.com.", "Type": "A"}, {"Name": "*.example.com.", "Type": "A"}) is False
    alias = {"Name": "web.example.com.", "Type": "A",
             "AliasTarget": {"HostedZoneId": "Z1", "DNSName": "lb.example.net.", "EvaluateTargetHealth": True}}
    assert same_rrset(alias, dict(alias)) is True
    # The inputs are left as they were.
    assert a["ResourceRecords"] == [{"Value": "192.0.2.2"}, {"Value": "192.0.2.1"}]


def test_the_canonical_key_unescapes_and_lowers_the_name() -> None:
    assert canonical_key({"Name": "\\052.Example.COM.", "Type": "TXT"}) == ("*.example.com", "TXT")
    assert canonical_key({"Name": "a\\100b.example.com.", "Type": "A"}) == ("a@b.example.com", "A")
