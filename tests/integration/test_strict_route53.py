"""The strict Route 53 endpoint rejects what Route 53 rejects, with Route 53's codes and texts.

One test per rule (components.md 1.3 lists where plain moto differs); plus atomicity, paging of
SetIdentifier records through boto3's paginator, zone listing, throttling retried by botocore's
standard mode, the request counters and the command-line entry point.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.support.route53 import StrictRoute53Server, iter_all_records

# Fixtures route53 / route53_client come from tests/conftest.py (tests.support.route53_fixtures).
_ROOT = str(Path(__file__).resolve().parents[2])
pytestmark = pytest.mark.integration

ZONE = "example.com"
ALIAS = {"HostedZoneId": "Z35SXDOTRQ7X7K", "DNSName": "lb-1.us-east-1.elb.amazonaws.com",
         "EvaluateTargetHealth": False}


def rrset(name: str, rtype: str, values: tuple[str, ...] | list[str] = (), ttl: int | None = 300,
          **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"Name": name, "Type": rtype}
    if ttl is not None:
        out["TTL"] = ttl
    if values:
        out["ResourceRecords"] = [{"Value": v} for v in values]
    out.update(extra)
    return out


def change(action: str, name: str, rtype: str, values: tuple[str, ...] | list[str] = (), ttl: int | None = 300,
           **extra: Any) -> dict[str, Any]:
    return {"Action": action, "ResourceRecordSet": rrset(name, rtype, values, ttl, **extra)}


def apply(client: Any, zone_id: str, *changes: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = client.change_resource_record_sets(
        HostedZoneId=zone_id, ChangeBatch={"Changes": list(changes)})
    return result


def reject(client: Any, zone_id: str, *changes: dict[str, Any]) -> tuple[str, str, int]:
    with pytest.raises(ClientError) as info:
        apply(client, zone_id, *changes)
    err = info.value.response["Error"]
    return err["Code"], err["Message"], info.value.response["ResponseMetadata"]["HTTPStatusCode"]


@pytest.fixture
def zone(route53: StrictRoute53Server) -> str:
    return route53.create_zone(ZONE)


def names(route53: StrictRoute53Server, zone_id: str) -> list[tuple[str, str, str | None]]:
    return [(r["Name"], r["Type"], r.get("SetIdentifier")) for r in route53.records(zone_id)]


# ------------------------------------------------------------------------------------------ CREATE


def test_create_of_existing_name_and_type_is_rejected_whatever_the_value(route53_client: Any, zone: str) -> None:
    apply(route53_client, zone, change("CREATE", "a.example.com", "A", ["192.0.2.1"]))
    code, message, status = reject(route53_client, zone, change("CREATE", "a.example.com.", "A", ["192.0.2.2"]))
    assert (code, status) == ("InvalidChangeBatch", 400)
    assert message == "[Tried to create resource record set [name='a.example.com.', type='A'] but it already exists]"


def test_create_after_upsert_is_rejected(route53: StrictRoute53Server, route53_client: Any, zone: str) -> None:
    apply(route53_client, zone, change("UPSERT", "u.example.com", "TXT", ['"x"']))
    _, message, _ = reject(route53_client, zone, change("CREATE", "u.example.com", "TXT", ['"x"']))
    assert message == "[Tried to create resource record set [name='u.example.com.', type='TXT'] but it already exists]"
    assert names(route53, zone).count(("u.example.com.", "TXT", None)) == 1


def test_create_existing_set_identifier_names_it(route53_client: Any, zone: str) -> None:
    weighted = change("CREATE", "w.example.com", "A", ["192.0.2.1"], SetIdentifier="blue", Weight=10)
    apply(route53_client, zone, weighted)
    _, message, _ = reject(route53_client, zone, weighted)
    assert message == ("[Tried to create resource record set [name='w.example.com.', type='A', "
                       "set-identifier='blue'] but it already exists]")


# ------------------------------------------------------------------------------------------ DELETE


def test_delete_of_missing_record_is_not_found(route53_client: Any, zone: str) -> None:
    code, message, status = reject(route53_client, zone, change("DELETE", "ghost.example.com", "A", ["192.0.2.1"]))
    assert (code, status) == ("InvalidChangeBatch", 400)
    assert message == "[Tried to delete resource record set [name='ghost.example.com.', type='A'] but it was not found]"


def test_second_delete_is_not_found(route53_client: Any, zone: str) -> None:
    record = change("CREATE", "a.example.com", "A", ["192.0.2.1"])
    apply(route53_client, zone, record)
    apply(route53_client, zone, {**record, "Action": "DELETE"})
    _, message, _ = reject(route53_client, zone, {**record, "Action": "DELETE"})
    assert message.endswith("but it was not found]")


@pytest.mark.parametrize("stale", [
    pytest.param({"values": ["192.0.2.1"]}, id="stale-value"),
    pytest.param({"values": ["192.0.2.2"], "ttl": 60}, id="other-ttl"),
    pytest.param({"values": ["192.0.2.2", "192.0.2.3"]}, id="extra-value"),
])
def test_delete_must_match_current_values(route53: StrictRoute53Server, route53_client: Any, zone: str,
                                          stale: dict[str, Any]) -> None:
    apply(route53_client, zone, change("CREATE", "a.example.com", "A", ["192.0.2.1"]))
    apply(route53_client, zone, change("UPSERT", "a.example.com", "A", ["192.0.2.2"]))
    _, message, _ = reject(route53_client, zone, change("DELETE", "a.example.com", "A", **stale))
    assert message == ("[Tried to delete resource record set [name='a.example.com.', type='A'] "
                       "but the values provided do not match the current values]")
    assert ("a.example.com.", "A", None) in names(route53, zone)


def test_delete_matches_values_as_a_set_and_names_without_trailing_dot(route53: StrictRoute53Server,
                                                                        route53_client: Any, zone: str) -> None:
    apply(route53_client, zone, change("CREATE", "m.example.com.", "A", ["192.0.2.1", "192.0.2.2"]))
    apply(route53_client, zone, change("DELETE", "M.Example.COM", "A", ["192.0.2.2", "192.0.2.1"]))
    assert ("m.example.com.", "A", None) not in names(route53, zone)


@pytest.mark.parametrize("other", [
    pytest.param({"EvaluateTargetHealth": True}, id="evaluate-target-health"),
    pytest.param({"HostedZoneId": "Z1H1FL5HABSF5"}, id="hosted-zone-id"),
    pytest.param({"DNSName": "lb-2.us-east-1.elb.amazonaws.com"}, id="dns-name"),
])
def test_delete_alias_must_match_alias_target(route53: StrictRoute53Server, route53_client: Any, zone: str,
                                              other: dict[str, Any]) -> None:
    apply(route53_client, zone, change("CREATE", "alias.example.com", "A", ttl=None, AliasTarget=ALIAS))
    _, message, _ = reject(route53_client, zone,
                           change("DELETE", "alias.example.com", "A", ttl=None, AliasTarget={**ALIAS, **other}))
    assert message.endswith("but the values provided do not match the current values]")
    # the same target in another spelling (case, trailing dot) is the same target
    same = {**ALIAS, "DNSName": "LB-1.us-east-1.elb.amazonaws.com."}
    apply(route53_client, zone, change("DELETE", "alias.example.com", "A", ttl=None, AliasTarget=same))
    assert names(route53, zone) == [("example.com.", "NS", None), ("example.com.", "SOA", None)]


def test_delete_with_set_identifier_deletes_only_that_rrset(route53: StrictRoute53Server, route53_client: Any,
                                                            zone: str) -> None:
    one = {"SetIdentifier": "one", "Weight": 1}
    apply(route53_client, zone,
          change("CREATE", "a.example.com", "A", ["192.0.2.1"], **one),
          change("CREATE", "b.example.com", "A", ["192.0.2.2"], **one),
          change("CREATE", "a.example.com", "TXT", ['"t"'], **one))
    apply(route53_client, zone, change("DELETE", "a.example.com", "A", ["192.0.2.1"], **one))
    assert names(route53, zone)[2:] == [("a.example.com.", "TXT", "one"), ("b.example.com.", "A", "one")]


def test_apex_ns_and_soa_cannot_be_deleted(route53: StrictRoute53Server, route53_client: Any, zone: str) -> None:
    ns, soa = route53.records(zone)[:2]
    code, message, _ = reject(route53_client, zone, {"Action": "DELETE", "ResourceRecordSet": ns},
                              {"Action": "DELETE", "ResourceRecordSet": soa})
    assert (code, message) == ("InvalidChangeBatch", "[A HostedZone must contain at least one NS record for the "
                               "zone itself., A HostedZone must contain exactly one SOA record.]")


# ------------------------------------------------------------------------------------------ UPSERT


def test_upsert_creates_then_replaces_values_and_ttl(route53: StrictRoute53Server, route53_client: Any,
                                                     zone: str) -> None:
    apply(route53_client, zone, change("UPSERT", "u.example.com", "A", ["192.0.2.1"]))
    apply(route53_client, zone, change("UPSERT", "u.example.com", "A", ["192.0.2.7", "192.0.2.8"], ttl=60))
    (record,) = [r for r in route53.records(zone) if r["Name"] == "u.example.com."]
    assert record == rrset("u.example.com.", "A", ["192.0.2.7", "192.0.2.8"], ttl=60)


# ------------------------------------------------------------------------------------------ CNAME


def test_cname_beside_another_type_is_rejected_in_both_orders(route53_client: Any, zone: str) -> None:
    apply(route53_client, zone, change("CREATE", "a.example.com", "A", ["192.0.2.1"]),
          change("CREATE", "c.example.com", "CNAME", ["target.example.org"]))
    _, message, _ = reject(route53_client, zone, change("CREATE", "a.example.com", "CNAME", ["target.example.org"]))
    assert message == ("[RRSet of type CNAME with DNS name a.example.com. is not permitted as it conflicts with "
                       "other records with the same DNS name in zone example.com.]")
    _, message, _ = reject(route53_client, zone, change("UPSERT", "c.example.com", "TXT", ['"x"']))
    assert message == ("[RRSet of type TXT with DNS name c.example.com. is not permitted because a conflicting "
                       "RRSet of type CNAME with the same DNS name already exists in zone example.com.]")


def test_cname_conflict_within_one_batch(route53: StrictRoute53Server, route53_client: Any, zone: str) -> None:
    _, message, _ = reject(route53_client, zone, change("CREATE", "n.example.com", "A", ["192.0.2.1"]),
                           change("CREATE", "n.example.com", "CNAME", ["target.example.org"]))
    assert "RRSet of type CNAME with DNS name n.example.com. is not permitted as it conflicts" in message
    # replacing a CNAME by an A in one batch is fine when the CNAME goes first (changes apply in order)
    apply(route53_client, zone, change("CREATE", "r.example.com", "CNAME", ["target.example.org"]))
    apply(route53_client, zone, change("DELETE", "r.example.com", "CNAME", ["target.example.org"]),
          change("CREATE", "r.example.com", "A", ttl=None, AliasTarget=ALIAS))
    assert ("r.example.com.", "A", None) in names(route53, zone)


def test_cname_at_apex_is_rejected(route53_client: Any, zone: str) -> None:
    _, message, _ = reject(route53_client, zone, change("CREATE", "example.com", "CNAME", ["target.example.org"]))
    assert message == "[RRSet of type CNAME with DNS name example.com. is not permitted at apex in zone example.com.]"


def test_cname_with_two_values_is_rejected(route53_client: Any, zone: str) -> None:
    code, message, _ = reject(route53_client, zone, change("CREATE", "c.example.com", "CNAME", ["a.org", "b.org"]))
    assert code == "InvalidChangeBatch"
    assert "CNAME with DNS name c.example.com." in message


def test_weighted_cnames_may_share_a_name(route53_client: Any, zone: str) -> None:
    apply(route53_client, zone,
          change("CREATE", "c.example.com", "CNAME", ["a.org"], SetIdentifier="a", Weight=1),
          change("CREATE", "c.example.com", "CNAME", ["b.org"], SetIdentifier="b", Weight=1))


# ------------------------------------------------------------------------------------------ names


def test_names_outside_the_zone_are_rejected_on_a_label_boundary(route53_client: Any, zone: str) -> None:
    code, message, _ = reject(route53_client, zone, change("CREATE", "x.other.org", "A", ["192.0.2.1"]),
                              change("CREATE", "notexample.com", "A", ["192.0.2.1"]))
    assert code == "InvalidChangeBatch"
    assert message == ("[RRSet with DNS name x.other.org. is not permitted in zone example.com., "
                       "RRSet with DNS name notexample.com. is not permitted in zone example.com.]")


def test_names_are_case_insensitive_and_stored_in_lower_case(route53: StrictRoute53Server, route53_client: Any,
                                                             zone: str) -> None:
    apply(route53_client, zone, change("CREATE", "MiXeD.Example.COM.", "A", ["192.0.2.1"]))
    _, message, _ = reject(route53_client, zone, change("CREATE", "mixed.example.com", "A", ["192.0.2.1"]))
    assert "[name='mixed.example.com.', type='A'] but it already exists" in message
    assert ("mixed.example.com.", "A", None) in names(route53, zone)


def test_wildcards_are_accepted_listed_escaped_and_the_escape_is_the_same_name(
        route53_client: Any, zone: str) -> None:
    apply(route53_client, zone, change("CREATE", "*.wild.example.com", "A", ["192.0.2.1"]))
    listed = route53_client.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
    assert "\\052.wild.example.com." in [r["Name"] for r in listed]
    _, message, _ = reject(route53_client, zone, change("CREATE", "\\052.wild.example.com.", "A", ["192.0.2.1"]))
    assert "[name='\\052.wild.example.com.', type='A'] but it already exists" in message


# ------------------------------------------------------------------------------------------ record data


@pytest.mark.parametrize(("rtype", "value", "expected"), [
    ("A", "999.1.1.1", "Invalid Resource Record: FATAL problem: ARRDATAIllegalIPv4Address (Value is not a valid "
                       "IPv4 address) encountered with '999.1.1.1'"),
    ("AAAA", "1.2.3.4", "Invalid Resource Record: FATAL problem: AAAARRDATAIllegalIPv6Address (Value is not a "
                        "valid IPv6 address) encountered with '1.2.3.4'"),
    ("TXT", "abc def", "Invalid Resource Record: FATAL problem: InvalidCharacterString (Value should be enclosed "
                       "in quotation marks) encountered with 'abc def'"),
    ("SPF", '"v=spf1 -all', "Invalid Resource Record: FATAL problem: InvalidCharacterString (Value should be "
                            "enclosed in quotation marks) encountered with '\"v=spf1 -all'"),
])
def test_invalid_record_data_is_rejected(route53_client: Any, zone: str, rtype: str, value: str,
                                         expected: str) -> None:
    code, message, _ = reject(route53_client, zone, change("CREATE", "v.example.com", rtype, [value]))
    assert (code, message) == ("InvalidChangeBatch", f"[{expected}]")


def test_txt_strings_are_limited_to_255_characters_each(route53_client: Any, zone: str) -> None:
    code, message, _ = reject(route53_client, zone, change("CREATE", "t.example.com", "TXT", ['"' + "a" * 256 + '"']))
    assert code == "InvalidChangeBatch" and "TXTRDATATooLong" in message
    apply(route53_client, zone,
          change("CREATE", "t.example.com", "TXT", ['"' + "a" * 255 + '" "' + "b" * 100 + '"', "bare-word"]))


@pytest.mark.parametrize(("rtype", "bad", "good"), [
    ("MX", "mail.example.com", "10 mail.example.com"),
    ("MX", "x mail.example.com", "0 mail.example.com."),
    ("SRV", "10 5 sip.example.com", "10 5 5060 sip.example.com"),
    ("SRV", "10 5 99999 sip.example.com", "0 0 1 sip.example.com."),
    ("CAA", "0 issue", '0 issue "letsencrypt.org"'),
    ("CAA", "0 issue letsencrypt.org", '128 iodef "mailto:security@example.com"'),
])
def test_mx_srv_caa_formats(route53_client: Any, zone: str, rtype: str, bad: str, good: str) -> None:
    code, message, _ = reject(route53_client, zone, change("CREATE", "f.example.com", rtype, [bad]))
    assert code == "InvalidChangeBatch" and "Invalid Resource Record: FATAL problem:" in message
    apply(route53_client, zone, change("CREATE", "f.example.com", rtype, [good]))


def test_duplicate_values_in_one_rrset_are_rejected(route53_client: Any, zone: str) -> None:
    _, message, _ = reject(route53_client, zone, change("CREATE", "d.example.com", "A", ["192.0.2.1", "192.0.2.1"]))
    assert message == "[Duplicate Resource Record: '192.0.2.1']"


def test_ttl_is_required_without_alias_and_forbidden_with_it(route53_client: Any, zone: str) -> None:
    code, message, _ = reject(route53_client, zone, change("CREATE", "n.example.com", "A", ["192.0.2.1"], ttl=None))
    assert (code, message) == ("InvalidInput", (
        "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or "
        "TrafficPolicyInstanceId], but found none in Change with [Action=CREATE, Name=n.example.com, Type=A, "
        "SetIdentifier=null]"))
    code, message, _ = reject(route53_client, zone, change("CREATE", "n.example.com.", "A", AliasTarget=ALIAS))
    assert (code, message) == ("InvalidInput", (
        "Invalid request: Expected exactly one of [AliasTarget, all of [TTL, and ResourceRecords], or "
        "TrafficPolicyInstanceId], but found more than one in Change with [Action=CREATE, Name=n.example.com., "
        "Type=A, SetIdentifier=null]"))
    code, _, _ = reject(route53_client, zone,
                        change("CREATE", "n.example.com", "A", ["192.0.2.1"], ttl=None, AliasTarget=ALIAS))
    assert code == "InvalidInput"


def test_alias_dns_name_is_returned_fully_qualified(route53_client: Any, zone: str) -> None:
    apply(route53_client, zone, change("CREATE", "alias.example.com", "AAAA", ttl=None, AliasTarget=ALIAS))
    listed = route53_client.list_resource_record_sets(
        HostedZoneId=zone, StartRecordName="alias.example.com", StartRecordType="AAAA", MaxItems="1")
    assert listed["ResourceRecordSets"][0]["AliasTarget"] == {**ALIAS, "DNSName": ALIAS["DNSName"] + "."}
    ns = route53_client.list_resource_record_sets(HostedZoneId=zone, MaxItems="1")["ResourceRecordSets"][0]
    assert ns["Type"] == "NS" and all(rr["Value"].endswith(".") for rr in ns["ResourceRecords"])


# ------------------------------------------------------------------------------------------ routing policies


def test_set_identifier_requires_exactly_one_routing_policy(route53_client: Any, zone: str) -> None:
    code, message, _ = reject(route53_client, zone,
                              change("CREATE", "p.example.com", "A", ["192.0.2.1"], SetIdentifier="x"))
    assert (code, message) == ("InvalidInput", (
        "Invalid request: Expected exactly one of [Weight, Region, Failover, GeoLocation, MultiValueAnswer, "
        "GeoProximityLocation, or CidrRoutingConfig], but found none in Change with [Action=CREATE, "
        "Name=p.example.com, Type=A, SetIdentifier=x]"))
    code, message, _ = reject(route53_client, zone, change("CREATE", "p.example.com", "A", ["192.0.2.1"],
                                                           SetIdentifier="x", Weight=1, Region="us-east-1"))
    assert code == "InvalidInput" and "but found more than one in Change with" in message


def test_routing_policy_requires_set_identifier(route53_client: Any, zone: str) -> None:
    code, message, _ = reject(route53_client, zone, change("CREATE", "p.example.com", "A", ["192.0.2.1"], Weight=1))
    assert code == "InvalidInput" and "SetIdentifier" in message


def test_simple_and_routing_records_cannot_share_name_and_type(route53_client: Any, zone: str) -> None:
    apply(route53_client, zone, change("CREATE", "s.example.com", "A", ["192.0.2.1"]),
          change("CREATE", "w.example.com", "A", ["192.0.2.1"], SetIdentifier="blue", Weight=1))
    _, message, _ = reject(route53_client, zone, change("CREATE", "s.example.com", "A", ["192.0.2.2"],
                                                        SetIdentifier="lat", Region="eu-west-2"))
    assert message == ("[RRSet with DNS name s.example.com., type A, SetIdentifier lat, and Region Name=eu-west-2 "
                       "cannot be created because a non-latency RRSet with the same name and type already exists.]")
    _, message, _ = reject(route53_client, zone, change("UPSERT", "w.example.com", "A", ["192.0.2.2"]))
    assert message == ("[RRSet with DNS name w.example.com., type A cannot be created as other RRSets exist with "
                       "the same name and type.]")


def test_all_routing_records_of_a_name_and_type_use_one_policy(route53_client: Any, zone: str) -> None:
    apply(route53_client, zone, change("CREATE", "g.example.com", "A", ["192.0.2.1"], SetIdentifier="eu",
                                       GeoLocation={"ContinentCode": "EU"}))
    _, message, _ = reject(route53_client, zone, change("CREATE", "g.example.com", "A", ["192.0.2.2"],
                                                        SetIdentifier="w", Weight=5))
    assert "cannot be created because a non-weighted RRSet with the same name and type already exists." in message
    apply(route53_client, zone, change("CREATE", "g.example.com", "A", ["192.0.2.3"], SetIdentifier="na",
                                       GeoLocation={"ContinentCode": "NA"}))


def test_failover_allows_one_primary_and_one_secondary(route53: StrictRoute53Server, route53_client: Any,
                                                       zone: str) -> None:
    check = route53_client.create_health_check(CallerReference="hc", HealthCheckConfig={
        "Type": "HTTP", "IPAddress": "192.0.2.1", "Port": 80, "ResourcePath": "/"})["HealthCheck"]["Id"]
    apply(route53_client, zone,
          change("CREATE", "f.example.com", "A", ["192.0.2.1"], SetIdentifier="p", Failover="PRIMARY",
                 HealthCheckId=check),
          change("CREATE", "f.example.com", "A", ["192.0.2.2"], SetIdentifier="s", Failover="SECONDARY"))
    code, message, _ = reject(route53_client, zone, change("CREATE", "f.example.com", "A", ["192.0.2.3"],
                                                           SetIdentifier="p2", Failover="PRIMARY"))
    assert code == "InvalidChangeBatch" and "marked as primary" in message
    code, _, _ = reject(route53_client, zone, change("CREATE", "f.example.com", "A", ["192.0.2.3"],
                                                     SetIdentifier="x", Failover="TERTIARY"))
    assert code == "InvalidInput"


def test_weight_is_0_to_255(route53_client: Any, zone: str) -> None:
    apply(route53_client, zone,
          change("CREATE", "w.example.com", "A", ["192.0.2.1"], SetIdentifier="zero", Weight=0),
          change("CREATE", "w.example.com", "A", ["192.0.2.2"], SetIdentifier="max", Weight=255))
    code, message, _ = reject(route53_client, zone, change("CREATE", "w.example.com", "A", ["192.0.2.3"],
                                                           SetIdentifier="big", Weight=256))
    assert (code, message) == ("InvalidInput", (
        "1 validation error detected: Value '256' at 'changeBatch.changes.1.member.resourceRecordSet.weight' "
        "failed to satisfy constraint: Member must have value less than or equal to 255"))


def test_unknown_health_check_is_rejected(route53_client: Any, zone: str) -> None:
    code, _, status = reject(route53_client, zone, change("CREATE", "h.example.com", "A", ["192.0.2.1"],
                                                          SetIdentifier="a", Weight=1,
                                                          HealthCheckId="7b0c2b57-0000-4000-8000-000000000000"))
    assert (code, status) == ("NoSuchHealthCheck", 404)


def test_multivalue_records(route53_client: Any, zone: str) -> None:
    apply(route53_client, zone, *[
        change("CREATE", "mv.example.com", "A", [f"192.0.2.{i}"], SetIdentifier=f"m{i}", MultiValueAnswer=True)
        for i in range(1, 4)])
    apply(route53_client, zone, change("CREATE", "s.example.com", "A", ["192.0.2.1"]))
    _, message, _ = reject(route53_client, zone, change("CREATE", "s.example.com", "A", ["192.0.2.2"],
                                                        SetIdentifier="m", MultiValueAnswer=True))
    assert message == ("[RRSet with DNS name s.example.com., type A, SetIdentifier m cannot be created because a "
                       "non multivalue answer rrset exists with the same name and type.]")


# ------------------------------------------------------------------------------------------ batch-level rules


def test_the_same_change_twice_in_one_batch_is_rejected(route53_client: Any, zone: str) -> None:
    record = change("CREATE", "www.example.com", "A", ["192.0.2.1"])
    _, message, _ = reject(route53_client, zone, record, record)
    assert message == "[The request contains an invalid set of changes for a resource record set 'A www.example.com.']"


def test_a_batch_is_atomic_and_reports_every_problem(route53: StrictRoute53Server, route53_client: Any,
                                                     zone: str) -> None:
    apply(route53_client, zone, change("CREATE", "www.example.com", "A", ["192.0.2.1"]))
    before = route53.records(zone)
    code, message, _ = reject(route53_client, zone,
                              change("CREATE", "www.example.com", "A", ["192.0.2.2"]),
                              change("CREATE", "ok.example.com", "A", ["192.0.2.3"]),
                              change("UPSERT", "www.example.com", "A", ["192.0.2.9"]),
                              change("DELETE", "ghost.example.com", "A", ["192.0.2.4"]))
    assert code == "InvalidChangeBatch"
    assert message == ("[Tried to create resource record set [name='www.example.com.', type='A'] but it already "
                       "exists, Tried to delete resource record set [name='ghost.example.com.', type='A'] but it "
                       "was not found]")
    assert route53.errors[-1]["Messages"] == [
        "Tried to create resource record set [name='www.example.com.', type='A'] but it already exists",
        "Tried to delete resource record set [name='ghost.example.com.', type='A'] but it was not found",
    ]
    assert route53.records(zone) == before


def test_an_invalid_input_change_rejects_the_whole_batch(route53: StrictRoute53Server, route53_client: Any,
                                                         zone: str) -> None:
    before = route53.records(zone)
    code, _, _ = reject(route53_client, zone, change("CREATE", "p.example.com", "A", ["192.0.2.1"]),
                        change("CREATE", "q.example.com", "A", ["192.0.2.1"], ttl=None))
    assert code == "InvalidInput"
    assert route53.records(zone) == before


def test_changes_apply_in_order_within_a_batch(route53: StrictRoute53Server, route53_client: Any,
                                               zone: str) -> None:
    apply(route53_client, zone, change("CREATE", "o.example.com", "A", ["192.0.2.1"]))
    apply(route53_client, zone,
          change("DELETE", "o.example.com", "A", ["192.0.2.1"]),
          change("CREATE", "o.example.com", "A", ["192.0.2.2"], ttl=60))
    (record,) = [r for r in route53.records(zone) if r["Name"] == "o.example.com."]
    assert record["ResourceRecords"] == [{"Value": "192.0.2.2"}] and record["TTL"] == 60


def test_at_most_1000_resource_records_per_batch_upsert_counting_twice(route53_client: Any, zone: str) -> None:
    creates = [change("CREATE", f"r{i}.example.com", "A", ["192.0.2.1"]) for i in range(1001)]
    code, message, _ = reject(route53_client, zone, *creates)
    assert (code, message) == ("InvalidChangeBatch", "Number of records limit of 1000 exceeded.")
    upserts = [change("UPSERT", f"u{i}.example.com", "A", ["192.0.2.1"]) for i in range(500)]
    code, _, _ = reject(route53_client, zone, *upserts, change("CREATE", "one-more.example.com", "A", ["192.0.2.1"]))
    assert code == "InvalidChangeBatch"
    apply(route53_client, zone, *upserts)
    apply(route53_client, zone, *creates[:1000])


def test_at_most_32000_value_characters_per_batch(route53_client: Any, zone: str) -> None:
    value = '"' + "x" * 253 + '"'  # 255 characters
    too_many = [change("CREATE", f"t{i}.example.com", "TXT", [value]) for i in range(126)]  # 32,130
    code, message, _ = reject(route53_client, zone, *too_many)
    assert (code, message) == ("InvalidChangeBatch", "Number of characters limit of 32000 exceeded.")
    apply(route53_client, zone, *too_many[:125])  # 31,875


def test_unknown_zone_is_no_such_hosted_zone(route53_client: Any) -> None:
    code, message, status = reject(route53_client, "ZNOSUCHZONE", change("CREATE", "a.example.com", "A", ["192.0.2.1"]))
    assert (code, message, status) == ("NoSuchHostedZone", "No hosted zone found with ID: ZNOSUCHZONE", 404)


# ------------------------------------------------------------------------------------------ listing


def test_paging_through_weighted_records_across_page_boundaries(route53_client: Any, zone: str) -> None:
    changes = [change("CREATE", "w.example.com", "A", [f"192.0.2.{i}"], SetIdentifier=f"id{i:02d}", Weight=i)
               for i in range(11)]
    changes += [change("CREATE", "w.example.com", "TXT", [f'"{i}"'], SetIdentifier=f"t{i}", Weight=1)
                for i in range(4)]
    changes += [change("CREATE", f"{n}.example.com", "A", ["192.0.2.1"]) for n in ("a", "z", "b.w")]
    apply(route53_client, zone, *changes)
    for page_size in (1, 2, 3, 4, 7):
        listed = list(iter_all_records(route53_client, zone, page_size=page_size))
        keys = [(r["Name"], r["Type"], r.get("SetIdentifier")) for r in listed]
        assert len(keys) == len(set(keys)) == 2 + 18
        assert keys[:3] == [("example.com.", "NS", None), ("example.com.", "SOA", None), ("a.example.com.", "A", None)]
        assert keys[3:14] == [("w.example.com.", "A", f"id{i:02d}") for i in range(11)]
    first = route53_client.list_resource_record_sets(HostedZoneId=zone, MaxItems="4")
    assert (first["IsTruncated"], first["NextRecordName"], first["NextRecordType"],
            first["NextRecordIdentifier"]) == (True, "w.example.com.", "A", "id01")
    second = route53_client.list_resource_record_sets(
        HostedZoneId=zone, StartRecordName="w.example.com.", StartRecordType="A", StartRecordIdentifier="id01",
        MaxItems="2")
    assert [r["SetIdentifier"] for r in second["ResourceRecordSets"]] == ["id01", "id02"]


def test_list_resource_record_sets_returns_at_most_300(route53_client: Any, zone: str) -> None:
    apply(route53_client, zone, *[change("CREATE", f"r{i:03d}.example.com", "A", ["192.0.2.1"]) for i in range(400)])
    page = route53_client.list_resource_record_sets(HostedZoneId=zone, MaxItems="1000")
    assert len(page["ResourceRecordSets"]) == 300 and page["IsTruncated"]
    assert "NextRecordIdentifier" not in page
    default = route53_client.list_resource_record_sets(HostedZoneId=zone)
    assert len(default["ResourceRecordSets"]) == 300
    code = None
    try:
        route53_client.list_resource_record_sets(HostedZoneId=zone, StartRecordType="A")
    except ClientError as exc:
        code = exc.response["Error"]["Code"]
    assert code == "InvalidInput"


def test_list_hosted_zones_pages_by_zone_id_at_most_100(route53: StrictRoute53Server, route53_client: Any) -> None:
    ids = [route53.create_zone(f"zone{i:03d}.example.net") for i in range(104)]
    private = route53.create_zone("internal.example", private=True)
    page = route53_client.list_hosted_zones(MaxItems="500")
    assert len(page["HostedZones"]) == 100 and page["IsTruncated"] and page["NextMarker"] == ids[100]
    rest = route53_client.list_hosted_zones(Marker=page["NextMarker"])
    assert [z["Id"] for z in rest["HostedZones"]] == [f"/hostedzone/{i}" for i in [*ids[100:], private]]
    everything = [z["Id"] for p in route53_client.get_paginator("list_hosted_zones").paginate(
        PaginationConfig={"PageSize": 7}) for z in p["HostedZones"]]
    assert everything == [f"/hostedzone/{i}" for i in [*ids, private]]
    only_private = route53_client.list_hosted_zones(HostedZoneType="PrivateHostedZone")["HostedZones"]
    assert [z["Id"] for z in only_private] == [f"/hostedzone/{private}"]


def test_list_hosted_zones_by_name_starts_at_the_name(route53: StrictRoute53Server, route53_client: Any) -> None:
    for name in ("b.example.org", "a.example.com", "example.org", "c.example.org"):
        route53.create_zone(name)
    page = route53_client.list_hosted_zones_by_name(DNSName="example.org", MaxItems="2")
    assert [z["Name"] for z in page["HostedZones"]] == ["example.org.", "b.example.org."]
    assert page["IsTruncated"] and page["NextDNSName"] == "c.example.org."


# ------------------------------------------------------------------------------------------ zones


def test_zone_level_fixes(route53: StrictRoute53Server, route53_client: Any, zone: str) -> None:
    route53_client.create_hosted_zone(Name="one.example", CallerReference="ref-1")
    with pytest.raises(ClientError) as info:
        route53_client.create_hosted_zone(Name="two.example", CallerReference="ref-1")
    assert info.value.response["Error"]["Code"] == "HostedZoneAlreadyExists"
    with pytest.raises(ClientError) as info:
        route53_client.create_hosted_zone(Name="bad..example", CallerReference="ref-2")
    assert info.value.response["Error"]["Code"] == "InvalidDomainName"
    apply(route53_client, zone, change("CREATE", "sub.example.com", "NS", ["ns1.example.org."]))
    with pytest.raises(ClientError) as info:
        route53_client.delete_hosted_zone(Id=zone)
    assert info.value.response["Error"]["Code"] == "HostedZoneNotEmpty"
    apply(route53_client, zone, change("DELETE", "sub.example.com", "NS", ["ns1.example.org."]))
    route53_client.delete_hosted_zone(Id=zone)
    with pytest.raises(ClientError) as info:
        route53_client.list_tags_for_resource(ResourceType="hostedzone", ResourceId=zone)
    assert info.value.response["Error"]["Code"] == "NoSuchHostedZone"


def test_change_info_is_pending_then_insync(route53: StrictRoute53Server, route53_client: Any, zone: str) -> None:
    route53.change_insync_after = 1
    first = apply(route53_client, zone, change("CREATE", "a.example.com", "A", ["192.0.2.1"]))["ChangeInfo"]
    second = apply(route53_client, zone, change("CREATE", "b.example.com", "A", ["192.0.2.1"]))["ChangeInfo"]
    assert first["Status"] == "PENDING" and first["Id"] != second["Id"]
    assert route53_client.get_change(Id=first["Id"])["ChangeInfo"]["Status"] == "PENDING"
    assert route53_client.get_change(Id=first["Id"])["ChangeInfo"]["Status"] == "INSYNC"


# ------------------------------------------------------------------------------------------ throttling & counters


def test_throttling_is_answered_and_retried_by_botocore_standard_mode(route53: StrictRoute53Server,
                                                                      zone: str) -> None:
    client = route53.client(config=Config(retries={"mode": "standard", "max_attempts": 10}))
    route53.set_rate_limit(20, burst=1)
    for _ in range(3):
        client.list_resource_record_sets(HostedZoneId=zone)
    assert route53.throttled > 0
    assert route53.counts["ListResourceRecordSets"] == 3 + route53.throttled
    no_retry = route53.client(config=Config(retries={"mode": "standard", "max_attempts": 1}))
    route53.set_rate_limit(0.001, burst=1)
    no_retry.list_hosted_zones()
    with pytest.raises(ClientError) as info:
        no_retry.list_hosted_zones()
    assert info.value.response["Error"] == {"Code": "Throttling", "Message": "Rate exceeded", "Type": "Sender"}
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_throttling_is_counted_per_access_key(route53: StrictRoute53Server, zone: str) -> None:
    # Several clusters on one account: the budget is shared, the Throttling answers are told apart.
    config = Config(retries={"mode": "standard", "total_max_attempts": 1})
    a = route53.client(config=config, aws_access_key_id="AKIDCLUSTERA", aws_secret_access_key="x")
    b = route53.client(config=config, aws_access_key_id="AKIDCLUSTERB", aws_secret_access_key="x")
    route53.set_rate_limit(0.001, burst=1)
    a.list_hosted_zones()
    for client in (a, b, b):
        with pytest.raises(ClientError):
            client.list_hosted_zones()
    assert route53.throttled == 3
    assert route53.throttled_by_key == {"AKIDCLUSTERA": 1, "AKIDCLUSTERB": 2}


def test_prior_request_not_complete_is_retried(route53: StrictRoute53Server, zone: str) -> None:
    client = route53.client(config=Config(retries={"mode": "standard", "max_attempts": 5}))
    route53.inject_prior_request_not_complete(2)
    apply(client, zone, change("CREATE", "a.example.com", "A", ["192.0.2.1"]))
    assert [b["Status"] for b in route53.change_batches] == ["injected", "injected", "accepted"]
    assert route53.change_batches[0]["Error"]["Code"] == "PriorRequestNotComplete"
    assert route53.counts["ChangeResourceRecordSets"] == 3


def test_counts_change_batches_and_reset(route53: StrictRoute53Server, route53_client: Any, zone: str) -> None:
    assert route53.counts == {}  # create_zone is a harness call: not counted
    apply(route53_client, zone, change("CREATE", "a.example.com", "A", ["192.0.2.1"]))
    with pytest.raises(ClientError):
        apply(route53_client, zone, change("CREATE", "a.example.com", "A", ["192.0.2.1"]))
    list(iter_all_records(route53_client, zone, page_size=2))
    route53_client.list_hosted_zones()
    assert route53.counts == {"ChangeResourceRecordSets": 2, "ListResourceRecordSets": 2, "ListHostedZones": 1}
    assert [b["Status"] for b in route53.change_batches] == ["accepted", "rejected"]
    assert route53.change_batches[0]["HostedZoneId"] == zone
    assert route53.change_batches[0]["Changes"] == [change("CREATE", "a.example.com", "A", ["192.0.2.1"])]
    assert route53.accepted_change_batches == route53.change_batches[:1]
    route53.reset_counts()
    assert route53.counts == {}
    route53.reset()
    assert route53_client.list_hosted_zones()["HostedZones"] == []
    assert route53.change_batches == [] and route53.errors == []


def test_ten_thousand_records_in_ten_batches(route53: StrictRoute53Server, route53_client: Any, zone: str) -> None:
    started = time.perf_counter()
    for b in range(10):
        apply(route53_client, zone, *[change("CREATE", f"r{b}-{i}.example.com", "A", [f"10.{b}.{i // 256}.{i % 256}"])
                                      for i in range(1000)])
    created = time.perf_counter()
    listed = list(iter_all_records(route53_client, zone))
    finished = time.perf_counter()
    assert len(listed) == 10_002
    assert route53.counts["ListResourceRecordSets"] == 34
    # moto alone: 8.6-9.6 s to create (journal scan) -- generous bounds so a busy CI box does not flake
    assert created - started < 30 and finished - created < 30


# ------------------------------------------------------------------------------------------ command line


def test_module_entry_point_prints_the_endpoint_and_stops_on_sigterm() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.support.route53", "--port", "0", "--zone", "demo.example"],
        cwd=_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([_ROOT, os.environ.get("PYTHONPATH", "")])})
    try:
        assert proc.stdout is not None
        endpoint = proc.stdout.readline().strip()
        zone_line = proc.stdout.readline().split()
        assert endpoint.startswith("http://127.0.0.1:")
        client = boto3.client("route53", endpoint_url=endpoint, region_name="us-east-1",
                              aws_access_key_id="testing", aws_secret_access_key="testing")
        zones = client.list_hosted_zones()["HostedZones"]
        assert [(z["Name"], z["Id"]) for z in zones] == [("demo.example.", f"/hostedzone/{zone_line[1]}")]
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
