"""Asking a public zone's authoritative name servers whether the cached records still hold (the I/O half
of drift.py). Any doubt — no name server, a timeout, a non-authoritative or failed answer — makes the
check return None, and the caller lists the zone through the API as before: DNS can only save calls,
never hide drift.
"""

from __future__ import annotations

import concurrent.futures
from collections.abc import Sequence
from dataclasses import dataclass, field

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdataclass
import dns.resolver

from zonekeeper.providers.base import Zone
from zonekeeper.providers.route53 import drift
from zonekeeper.providers.route53.account import Account
from zonekeeper.providers.route53.rrsets import RRSet

Server = tuple[str, int]  # (IP address, port)


class Unanswered(Exception):
    """No name server gave a usable authoritative answer."""


def parse_server(text: str) -> Server:
    """`192.0.2.1`, `192.0.2.1:5353` or `[2001:db8::1]:53` → (address, port)."""
    text = text.strip()
    if text.startswith("["):
        host, _, port = text[1:].partition("]")
        return host, int(port.lstrip(":") or 53)
    if text.count(":") == 1:
        host, port = text.split(":")
        return host, int(port)
    return text, 53


@dataclass(slots=True)
class DnsDriftCheck:
    """The DriftCheck of providers/route53/records.py over dnspython.

    `servers`: fixed name servers for every zone (split-horizon setups, tests); empty: the zone's
    name servers as DNS delegates it (once per zone), resolved to addresses with a bounded lifetime."""

    servers: Sequence[Server] = ()
    timeout: float = 2.0
    workers: int = 8
    queries: int = 0  # questions sent, for the figures
    _delegations: dict[str, tuple[Server, ...]] = field(default_factory=dict)

    def differing(self, account: Account, zone: Zone, rrsets: Sequence[RRSet]) -> set[drift.NameType] | None:
        if zone.private:
            return None
        split = drift.questions(rrsets)
        try:
            answers = self._answers(split.ask, self._servers(zone))
        except Unanswered:
            return None
        return drift.differing(zip(split.ask, answers, strict=True)) | set(split.needs_api)

    def _answers(self, ask: Sequence[drift.Question], servers: Sequence[Server]) -> list[drift.Answer]:
        pool = concurrent.futures.ThreadPoolExecutor(self.workers)
        try:
            answers = list(pool.map(lambda q: self._ask(q, servers), ask))
        finally:
            # After the first question nobody answered, the rest are not worth asking: the zone is listed.
            pool.shutdown(wait=True, cancel_futures=True)
        self.queries += len(answers)
        return answers

    def _servers(self, zone: Zone) -> tuple[Server, ...]:
        if self.servers:
            return tuple(self.servers)
        if zone.id not in self._delegations:
            self._delegations[zone.id] = self._delegation(zone)
        return self._delegations[zone.id]

    def _delegation(self, zone: Zone) -> tuple[Server, ...]:
        # The zone's name servers as DNS delegates it, not GetHostedZone: external-dns's IAM policy
        # (which a drop-in keeps) does not grant that call, and DNS needs no API budget either.
        resolver = dns.resolver.Resolver()
        resolver.lifetime = self.timeout
        try:
            names = [ns.target.to_text() for ns in resolver.resolve(zone.name + ".", "NS")]
        except dns.exception.DNSException as exc:
            raise Unanswered(f"no name servers found for {zone}: {exc}") from exc
        out: list[Server] = []
        for name in names:
            try:
                out.extend((a.to_text(), 53) for a in resolver.resolve(name, "A"))
            except dns.exception.DNSException:
                continue
        if not out:
            raise Unanswered(f"no address for the name servers of {zone}")
        return tuple(out)

    def _ask(self, q: drift.Question, servers: Sequence[Server]) -> drift.Answer:
        request = dns.message.make_query(q.qname, q.rdtype)
        request.flags &= ~dns.flags.RD
        # Each server twice: one lost datagram must not cost a full list.
        for address, port in [*servers, *servers]:
            try:
                response, _ = dns.query.udp_with_fallback(request, address, timeout=self.timeout, port=port)
            except (dns.exception.DNSException, OSError):
                continue
            if response.flags & dns.flags.AA and response.rcode() in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
                return _answer(response, q)
        raise Unanswered(f"no authoritative answer for {q.qname} {q.rdtype.name}")


def _answer(response: dns.message.Message, q: drift.Question) -> drift.Answer:
    try:
        rrset = response.find_rrset(response.answer, q.qname, dns.rdataclass.IN, q.rdtype)
    except KeyError:
        return drift.Answer(0, frozenset())
    return drift.Answer(rrset.ttl, frozenset(rrset))
