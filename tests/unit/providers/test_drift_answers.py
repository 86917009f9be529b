"""What DNS can vouch for in a zone, and when an answer matches the cache (providers/route53/drift.py)."""

from __future__ import annotations

from typing import Any

import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype

from zonekeeper.providers.route53 import drift
from zonekeeper.providers.route53.dnsprobe import parse_server


def rrset(name: str, rtype: str, *values: str, ttl: int = 300, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"Name": name, "Type": rtype, **extra}
    if values:
        out["TTL"] = ttl
        out["ResourceRecords"] = [{"Value": v} for v in values]
    return out


def rdatas(rtype: str, *texts: str) -> frozenset[dns.rdata.Rdata]:
    return frozenset(dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.from_text(rtype), t,
                                     origin=dns.name.root, relativize=False) for t in texts)


def test_plain_record_sets_become_questions_with_their_expected_answer() -> None:
    split = drift.questions([rrset("www.example.com.", "A", "192.0.2.2", "192.0.2.1", ttl=60)])
    assert split.needs_api == frozenset()
    (q,) = split.ask
    assert q.key == ("www.example.com", "A")
    assert str(q.qname) == "www.example.com."
    assert q.ttl == 60
    assert q.rdatas == rdatas("A", "192.0.2.1", "192.0.2.2")


def test_what_dns_cannot_show_goes_to_the_api() -> None:
    alias = rrset("lb.example.com.", "A", AliasTarget={"HostedZoneId": "Z1", "DNSName": "x.elb.amazonaws.com.",
                                                       "EvaluateTargetHealth": True})
    weighted = rrset("w.example.com.", "A", "192.0.2.1", SetIdentifier="one", Weight=10)
    delegation = rrset("sub.example.com.", "NS", "ns1.other.net.")
    soa_like = rrset("odd.example.com.", "DS", "1 8 2 abcd")
    split = drift.questions([alias, weighted, delegation, soa_like, rrset("ok.example.com.", "TXT", '"v"')])
    assert split.needs_api == {("lb.example.com", "A"), ("w.example.com", "A"), ("sub.example.com", "NS"),
                               ("odd.example.com", "DS")}
    assert [q.key for q in split.ask] == [("ok.example.com", "TXT")]


def test_one_unaskable_set_identifier_sends_the_whole_key_to_the_api() -> None:
    # Route 53 answers for the name with one of the weighted record sets: asking could never match.
    split = drift.questions([rrset("w.example.com.", "A", "192.0.2.1"),
                             rrset("w.example.com.", "A", "192.0.2.9", SetIdentifier="b", Weight=1)])
    assert split.ask == ()
    assert split.needs_api == {("w.example.com", "A")}
    later = drift.questions([rrset("w.example.com.", "A", "192.0.2.9", SetIdentifier="b", Weight=1),
                             rrset("w.example.com.", "A", "192.0.2.1")])
    assert later.ask == () and later.needs_api == {("w.example.com", "A")}


def test_escaped_names_are_asked_as_dns_names() -> None:
    (q,) = drift.questions([rrset("\\052.apps.example.com.", "CNAME", "lb.example.net")]).ask
    assert q.key == ("*.apps.example.com", "CNAME")
    assert str(q.qname) == "*.apps.example.com."
    assert q.rdatas == rdatas("CNAME", "lb.example.net.")


def test_a_value_dnspython_cannot_read_is_left_to_the_api() -> None:
    split = drift.questions([rrset("bad.example.com.", "A", "not-an-address")])
    assert split.ask == () and split.needs_api == {("bad.example.com", "A")}


def q_for(*values: str, rtype: str = "TXT", ttl: int = 300) -> drift.Question:
    (q,) = drift.questions([rrset("t.example.com.", rtype, *values, ttl=ttl)]).ask
    return q


def test_an_answer_matches_with_the_same_data_in_any_order_and_the_same_ttl() -> None:
    q = q_for('"b"', '"a"')
    assert drift.matches(q, drift.Answer(300, rdatas("TXT", '"a"', '"b"')))
    assert not drift.matches(q, drift.Answer(60, rdatas("TXT", '"a"', '"b"')))
    assert not drift.matches(q, drift.Answer(300, rdatas("TXT", '"a"')))
    assert not drift.matches(q, drift.Answer(300, rdatas("TXT", '"a"', '"b"', '"c"')))
    assert not drift.matches(q, drift.Answer(0, frozenset()))  # deleted in the console


def test_long_txt_values_compare_as_their_strings() -> None:
    # Route 53 holds a value over 255 characters as several strings; the answer carries the same strings.
    long = '"' + "x" * 255 + '" "' + "y" * 10 + '"'
    assert drift.matches(q_for(long), drift.Answer(300, rdatas("TXT", long)))
    split_elsewhere = '"' + "x" * 250 + '" "' + "x" * 5 + "y" * 10 + '"'
    assert not drift.matches(q_for(long), drift.Answer(300, rdatas("TXT", split_elsewhere)))


def test_cname_targets_compare_without_regard_to_case() -> None:
    q = q_for("LB.Example.NET", rtype="CNAME")
    assert drift.matches(q, drift.Answer(300, rdatas("CNAME", "lb.example.net.")))
    assert not drift.matches(q, drift.Answer(300, rdatas("CNAME", "other.example.net.")))


def test_differing_names_only_the_keys_that_do_not_match() -> None:
    same, moved = q_for('"a"'), drift.questions([rrset("m.example.com.", "A", "192.0.2.1")]).ask[0]
    assert drift.differing([(same, drift.Answer(300, rdatas("TXT", '"a"'))),
                            (moved, drift.Answer(300, rdatas("A", "192.0.2.7")))]) == {("m.example.com", "A")}


def test_name_server_addresses() -> None:
    assert parse_server("192.0.2.1") == ("192.0.2.1", 53)
    assert parse_server("127.0.0.1:5353") == ("127.0.0.1", 5353)
    assert parse_server("[2001:db8::1]:5300") == ("2001:db8::1", 5300)
    assert parse_server("2001:db8::1") == ("2001:db8::1", 53)
