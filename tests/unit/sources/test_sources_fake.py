"""The fake source against external-dns v0.23.0's own output.

The expected records were printed by the real binary (`external-dns-v0.23.0 --source=fake
--provider=inmemory --inmemory-zone=example.com --once --dry-run --policy=sync --log-level=debug`,
its "fake source generated <type> endpoint: <name> -> <targets>" lines).
"""

from __future__ import annotations

import pytest

from zonekeeper.sources import fake
from zonekeeper.sources.fqdn import compile_templates

EXTERNAL_DNS_FIRST_PASS = {
    ("quhw.example.com", "A"): ("192.0.2.206",),
    ("sxpg.example.com", "AAAA"): ("2001:db8::a1d7:e917",),
    ("nqup.example.com", "CNAME"): ("tlbd.example.com",),
    ("vaxw.example.com", "TXT"): ('"heritage=external-dns,external-dns/owner=fake"',),
    ("_sip._udp.example.com", "SRV"): ("10 20 5060 giif.example.com.",),
    ("example.com", "NS"): ("ahk.example.com",),
    ("63.2.0.192.in-addr.arpa", "PTR"): ("jaii.example.com",),
    ("example.com", "MX"): ("10 woow.example.com",),
    ("_sip._udp.example.com", "NAPTR"): ('100 10 "u" "E2U+sip" "!^.*$!sip:info@example.com!" .',),
    ("dcdj.example.com", "DNAME"): ("mrnq.example.com",),
    ("_443._tcp.example.com", "TLSA"): ("3 1 1 " + "ab" * 32,),
}


def test_first_pass_is_external_dns_first_pass() -> None:
    endpoints = fake.Generator(fake.dns_names(None)).next_pass()
    got = {(e.name, e.type): tuple(e.targets) for e in endpoints}
    assert got == EXTERNAL_DNS_FIRST_PASS
    assert {e.set_identifier for e in endpoints} == {"fake"}
    assert {e.name: e.resource for e in endpoints}["quhw.example.com"] == "fake/default/quhw.example.com"


def test_each_pass_draws_new_names_and_a_new_generator_starts_over() -> None:
    gen = fake.Generator(["example.com"])
    first, second = gen.next_pass(), gen.next_pass()
    a = {e.name for e in first if e.type == "A"}
    assert a == {"quhw.example.com"} and a != {e.name for e in second if e.type == "A"}
    assert fake.Generator(["example.com"]).next_pass() == first


def test_fqdn_template_renders_over_the_fake_pod() -> None:
    template = compile_templates(("{{.Name}}.my-company.com,b.example.org",))
    assert fake.dns_names(template) == ["b.example.org", "fake.my-company.com"]
    endpoints = fake.Generator(fake.dns_names(template)).next_pass()
    assert len(endpoints) == 2 * len(fake.RECORD_TYPES)
    # With two names, A and AAAA carry two addresses each, as external-dns's generateTargets.
    assert {len(e.targets) for e in endpoints if e.type in ("A", "AAAA")} == {2}


def test_a_template_that_fails_names_itself() -> None:
    with pytest.raises(ValueError, match="--source=fake: rendering --fqdn-template"):
        fake.dns_names(compile_templates(("{{.Spec.nothing.deeper}}",)))


def test_the_third_pass_is_external_dns_third_sync() -> None:
    # external-dns `--interval=1s` (not --once): its A names were quhw, itnm, uxvp, sync after sync.
    gen = fake.Generator(["example.com"])
    assert [[(e.name, e.targets) for e in gen.next_pass() if e.type == "A"] for _ in range(3)] == [
        [("quhw.example.com", ("192.0.2.206",))], [("itnm.example.com", ("192.0.2.248",))],
        [("uxvp.example.com", ("192.0.2.176",))]]


def test_collect_sorts_fake_records_among_the_others_and_applies_the_wrappers() -> None:
    from sourcekit import ga, service, store

    from zonekeeper.sources import collect
    from zonekeeper.sources.base import SourceConfig

    view = store(service(annotations=ga(hostname="s.example.com"), lb=("1.1.1.1",)))
    result = collect(view, ["fake", "service"], SourceConfig(min_ttl=120))
    assert [e.resource for e in result.endpoints] == sorted(e.resource for e in result.endpoints)
    assert {e.ttl for e in result.endpoints} == {120}  # --min-ttl reaches the fake records too
