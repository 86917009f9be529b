"""Drift found through DNS instead of the API: what the zone's authoritative name servers can vouch
for, the question for each record set, and whether an answer matches what the record cache holds. Pure
(dnspython is used only to parse and compare record data; nothing here sends a packet).

Why: an hourly re-list of a 50,000-record zone costs 168 ListResourceRecordSets calls, out of a budget of
5 requests/s that every cluster and tool of the account shares. Route 53's name servers answer the same
question for free (of API budget): a record set whose answer is byte-for-byte what we cached has not
drifted, and only the names that differ are read again through the API.

What DNS cannot show, the API still reads (`needs_api`): alias record sets (the answer is the target's
addresses, not the alias), record sets with a set identifier (weighted, latency, failover, geo,
multivalue: a name server answers with one of them, chosen per query), NS record sets (a delegation is
answered by a referral) and types DNS answers do not carry faithfully. Private zones are never asked:
their name servers are not reachable from the outside (the caller lists them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import dns.exception
import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
from dns.rdata import Rdata

from zonekeeper.providers.route53.rrsets import unescape

# Types whose authoritative answer is exactly the record set Route 53 holds.
ASKABLE_TYPES = frozenset({"A", "AAAA", "CNAME", "TXT", "MX", "SRV", "CAA", "PTR", "NAPTR", "SPF"})

NameType = tuple[str, str]  # (name without the trailing dot, type): the key the record cache reads by


@dataclass(frozen=True, slots=True)
class Question:
    """One DNS question and the answer the cache expects for it."""

    key: NameType
    qname: dns.name.Name
    rdtype: dns.rdatatype.RdataType
    ttl: int
    rdatas: frozenset[Rdata]


@dataclass(frozen=True, slots=True)
class Answer:
    """What an authoritative server said for one question: the record set at exactly that name and type
    (`rdatas` empty for NXDOMAIN or no data)."""

    ttl: int
    rdatas: frozenset[Rdata]


@dataclass(frozen=True, slots=True)
class Questions:
    ask: tuple[Question, ...]
    # Keys DNS cannot vouch for: they are read through the API.
    needs_api: frozenset[NameType]


def _key(rrset: Mapping[str, Any]) -> NameType:
    return unescape(rrset["Name"]).rstrip(".").lower(), rrset["Type"]


def question(rrset: Mapping[str, Any]) -> Question | None:
    """The question for one record set as Route 53 lists it, or None when DNS cannot vouch for it."""
    rtype = rrset["Type"]
    if rtype not in ASKABLE_TYPES or "AliasTarget" in rrset or "SetIdentifier" in rrset:
        return None
    rdtype = dns.rdatatype.from_text(rtype)
    try:
        rdatas = frozenset(
            dns.rdata.from_text(dns.rdataclass.IN, rdtype, value["Value"], origin=dns.name.root,
                                relativize=False)
            for value in rrset.get("ResourceRecords", ())
        )
        qname = dns.name.from_text(unescape(rrset["Name"]))
    except (dns.exception.DNSException, ValueError):
        return None  # a value dnspython cannot read: the API decides
    if not rdatas:
        return None
    return Question(_key(rrset), qname, rdtype, int(rrset.get("TTL", 0)), rdatas)


def questions(rrsets: Iterable[Mapping[str, Any]]) -> Questions:
    """Split a zone's record sets into questions for DNS and keys only the API can read. Every set
    identifier of a (name, type) shares its fate: one unaskable record set sends the key to the API."""
    asked: dict[NameType, Question] = {}
    api: set[NameType] = set()
    for rrset in rrsets:
        key = _key(rrset)
        q = question(rrset)
        if q is None or key in asked or key in api:
            api.add(key)
            asked.pop(key, None)
        else:
            asked[key] = q
    return Questions(tuple(asked[k] for k in sorted(asked)), frozenset(api))


def matches(q: Question, answer: Answer) -> bool:
    """The answer is what the cache holds: the same record data (in any order) and the same TTL."""
    return answer.rdatas == q.rdatas and answer.ttl == q.ttl


def differing(asked: Iterable[tuple[Question, Answer]]) -> set[NameType]:
    """The keys whose answer does not match: these are read again through the API."""
    return {q.key for q, answer in asked if not matches(q, answer)}
