"""TXT name mapping. Vectors marked `mapper_test.go` are external-dns's own
(registry/mapper/mapper_test.go), so a mismatch here is a compatibility break."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zonekeeper.registry.mapper import TXTNameMapper

TYPED = "%{record_type}-"

# (prefix, suffix, wildcard replacement, record name, type, TXT name)
TO_TXT = [
    # mapper_test.go TestAffixNameMapper_ToTXTName
    (TYPED, "", "", "foo.example.com", "A", "a-foo.example.com"),
    (TYPED, "", "", "foo.example.com", "AAAA", "aaaa-foo.example.com"),
    (TYPED, "", "", "foo.example.com", "CNAME", "cname-foo.example.com"),
    (TYPED, "", "", "foo.example.com", "NS", "ns-foo.example.com"),
    (TYPED, "", "", "foo.example.com", "MX", "mx-foo.example.com"),
    (TYPED, "", "", "foo.example.com", "SRV", "srv-foo.example.com"),
    (TYPED, "", "", "foo.example.com", "NAPTR", "naptr-foo.example.com"),
    ("", "-%{record_type}", "", "foo.example.com", "A", "foo-a.example.com"),
    ("", "-%{record_type}", "", "foo.example.com", "CNAME", "foo-cname.example.com"),
    ("txt-", "", "wild", "*.example.com", "A", "txt-a-wild.example.com"),
    ("txt-", "", "wild", "*.example.com", "MX", "txt-mx-wild.example.com"),
    ("", "", "", "foo.example.com", "A", "a-foo.example.com"),
    ("", "", "", "foo.example.com", "AAAA", "aaaa-foo.example.com"),
    ("", "", "", "foo.example.com", "CNAME", "cname-foo.example.com"),
    ("", "", "", "foo.example.com", "NS", "ns-foo.example.com"),
    ("", "", "", "foo.example.com", "MX", "mx-foo.example.com"),
    ("", "", "", "foo.example.com", "SRV", "srv-foo.example.com"),
    ("", "", "", "foo.example.com", "NAPTR", "naptr-foo.example.com"),
    # mapper_test.go TestToEndpointNameNewTXT (round-tripped below as well)
    ("foo", "", "", "example.com", "A", "fooa-example.com"),
    ("", "foo", "", "example", "AAAA", "aaaa-examplefoo"),
    ("", "foo", "", "example.com", "AAAA", "aaaa-examplefoo.com"),
    ("foo-", "", "", "example.com", "A", "foo-a-example.com"),
    ("", "-foo", "", "example.com", "CNAME", "cname-example-foo.com"),
    ("foo.", "", "", "example.com", "CNAME", "foo.cname-example.com"),
    ("", ".foo", "", "example.com", "CNAME", "cname-example.foo.com"),
    ("foo.bar.", "", "", "example.com", "CNAME", "foo.bar.cname-example.com"),
    ("", ".foo.bar.test", "", "example.com", "CNAME", "cname-example.foo.bar.test.com"),
    ("%{record_type}-foo", "", "", "example.com", "A", "a-fooexample.com"),
    ("", "foo-%{record_type}", "", "example.com", "A", "examplefoo-a.com"),
    ("%{record_type}foo.", "", "", "example.com", "CNAME", "cnamefoo.example.com"),
    ("", ".foo%{record_type}", "", "example.com", "A", "example.fooa.com"),
    ("bar.%{record_type}.foo.", "", "", "example.com", "CNAME", "bar.cname.foo.example.com"),
    ("", ".foo%{record_type}.bar", "", "example.com", "A", "example.fooa.bar.com"),
    # The reference table (docs/registry/txt.md, shared/reference §3.1)
    ("", "", "", "app.example.com", "TXT", "txt-app.example.com"),
    ("", "", "", "app.example.com", "PTR", "ptr-app.example.com"),
    ("", "", "", "app.example.com", "DNAME", "dname-app.example.com"),
    ("", "", "", "app.example.com", "CAA", "caa-app.example.com"),
    ("_extdns.", "", "", "app.example.com", "A", "_extdns.a-app.example.com"),
    ("%{record_type}-extdns.", "", "", "app.example.com", "A", "a-extdns.app.example.com"),
    ("", "-extdns", "", "app.example.com", "A", "a-app-extdns.example.com"),
    ("", "-%{record_type}", "", "app.example.com", "A", "app-a.example.com"),
    ("", "", "", "example.com", "A", "a-example.com"),
    # Affixes and the replacement are lower-cased; the type is lower-cased.
    ("TXT-", "", "", "app.example.com", "aaaa", "txt-aaaa-app.example.com"),
    ("", "", "WILD", "*.example.com", "A", "a-wild.example.com"),
    # No replacement: the asterisk stays where external-dns leaves it.
    ("", "", "", "*.example.com", "A", "a-*.example.com"),
    # Only a leading "*" label is replaced.
    ("", "", "wild", "*.x.example.com", "CNAME", "cname-wild.x.example.com"),
    ("", "", "wild", "a.*.example.com", "A", "a-a.*.example.com"),
    ("", "", "", "single", "A", "a-single"),
]


@pytest.mark.parametrize(("prefix", "suffix", "wild", "name", "rtype", "txt"), TO_TXT)
def test_to_txt_name(prefix: str, suffix: str, wild: str, name: str, rtype: str, txt: str) -> None:
    assert TXTNameMapper(prefix, suffix, wild).to_txt_name(name, rtype) == txt


# (prefix, suffix, TXT name, expected (name, type) or None)
TO_ENDPOINT: list[tuple[str, str, str, tuple[str, str] | None]] = [
    # mapper_test.go TestAffixNameMapper_ToEndpointName
    (TYPED, "", "a-foo.example.com", ("foo.example.com", "A")),
    (TYPED, "", "aaaa-foo.example.com", ("foo.example.com", "AAAA")),
    (TYPED, "", "cname-foo.example.com", ("foo.example.com", "CNAME")),
    (TYPED, "", "ns-foo.example.com", ("foo.example.com", "NS")),
    (TYPED, "", "mx-foo.example.com", ("foo.example.com", "MX")),
    (TYPED, "", "srv-foo.example.com", ("foo.example.com", "SRV")),
    (TYPED, "", "naptr-foo.example.com", ("foo.example.com", "NAPTR")),
    ("", "-%{record_type}", "foo-a.example.com", ("foo.example.com", "A")),
    ("", "-%{record_type}", "foo-cname.example.com", ("foo.example.com", "CNAME")),
    ("", "", "a-foo.example.com", ("foo.example.com", "A")),
    ("", "", "aaaa-foo.example.com", ("foo.example.com", "AAAA")),
    ("", "", "cname-foo.example.com", ("foo.example.com", "CNAME")),
    ("", "", "ns-foo.example.com", ("foo.example.com", "NS")),
    ("", "", "mx-foo.example.com", ("foo.example.com", "MX")),
    ("", "", "srv-foo.example.com", ("foo.example.com", "SRV")),
    ("", "", "naptr-foo.example.com", ("foo.example.com", "NAPTR")),
    # PTR (#6281), TXT (#6435) and DNAME (#6553) joined external-dns's list in 2026; older
    # mapper_test.go versions expected these to read as legacy names.
    ("", "", "ptr-zone.example.com", ("zone.example.com", "PTR")),
    ("", "", "txt-foo.example.com", ("foo.example.com", "TXT")),
    ("", "", "dname-foo.example.com", ("foo.example.com", "DNAME")),
    ("", "", "caa-foo.example.com", ("foo.example.com", "CAA")),
    # mapper_test.go TestExtractRecordTypeDefaultPosition, through the no-affix mapper
    ("", "", "ns-zone.example.com", ("zone.example.com", "NS")),
    ("", "", "aaaa-zone.example.com", ("zone.example.com", "AAAA")),
    ("", "", "zone.example.com", ("zone.example.com", "")),
    # mapper_test.go TestDropPrefix / TestDropSuffix: typed, then the legacy form of the affix
    ("foo-%{record_type}-", "", "foo-cname-test.example.com", ("test.example.com", "CNAME")),
    ("foo-%{record_type}-", "", "foo-a-test.example.com", ("test.example.com", "A")),
    ("foo-%{record_type}-", "", "foo--test.example.com", ("test.example.com", "")),
    ("", "-%{record_type}-foo", "test-a-foo.example.com", ("test.example.com", "A")),
    ("", "-%{record_type}-foo", "test--foo.example.com", ("test.example.com", "")),
    # Legacy names (written up to v0.17): the record's own name plus the affix.
    ("", "", "app.example.com", ("app.example.com", "")),
    ("_extdns.", "", "_extdns.app.example.com", ("app.example.com", "")),
    ("", "-extdns", "app-extdns.example.com", ("app.example.com", "")),
    # A dash-separated word that is not a type is part of the name.
    ("", "", "api-gateway.example.com", ("api-gateway.example.com", "")),
    # TXT names are compared lower-case.
    ("", "", "CNAME-Foo.Example.COM", ("foo.example.com", "CNAME")),
    # Names without the configured affix are not ours.
    ("_extdns.", "", "a-app.example.com", None),
    ("", "-extdns", "a-app.example.com", None),
    ("", ".foo.bar", "x", None),
]


@pytest.mark.parametrize(("prefix", "suffix", "txt", "expected"), TO_ENDPOINT)
def test_to_endpoint_name(prefix: str, suffix: str, txt: str, expected: tuple[str, str] | None) -> None:
    assert TXTNameMapper(prefix, suffix).to_endpoint_name(txt) == expected


@pytest.mark.parametrize(("prefix", "suffix", "wild", "name", "rtype", "txt"), TO_TXT)
def test_round_trip_of_vectors(prefix: str, suffix: str, wild: str, name: str, rtype: str, txt: str) -> None:
    assert TXTNameMapper(prefix, suffix, wild).to_endpoint_name(txt) == (name, rtype.upper())


def test_longest_type_wins_when_the_template_has_no_separator() -> None:
    # external-dns tries A before AAAA and would read this as A `aaafoo.example.com`.
    mapper = TXTNameMapper(prefix="%{record_type}")
    assert mapper.to_txt_name("foo.example.com", "AAAA") == "aaaafoo.example.com"
    assert mapper.to_endpoint_name("aaaafoo.example.com") == ("foo.example.com", "AAAA")


def test_wildcard_replacement_reads_back_as_the_wildcard() -> None:
    mapper = TXTNameMapper(wildcard_replacement="wild")
    assert mapper.to_endpoint_name("a-wild.example.com") == ("*.example.com", "A")
    assert mapper.to_endpoint_name("wild.example.com") == ("*.example.com", "")
    assert mapper.to_endpoint_name("a-tame.example.com") == ("tame.example.com", "A")


@pytest.mark.parametrize(
    ("prefix", "suffix", "wild", "name", "legacy"),
    [
        ("", "", "", "app.example.com", "app.example.com"),
        ("_extdns.", "", "", "app.example.com", "_extdns.app.example.com"),
        ("", "-extdns", "", "app.example.com", "app-extdns.example.com"),
        ("extdns-%{record_type}.", "", "", "app.example.com", "extdns-.app.example.com"),
        ("", "-%{record_type}", "", "app.example.com", "app-.example.com"),
        ("", "", "wild", "*.example.com", "wild.example.com"),
        ("", "", "", "example.com", "example.com"),
    ],
)
def test_legacy_txt_name(prefix: str, suffix: str, wild: str, name: str, legacy: str) -> None:
    mapper = TXTNameMapper(prefix, suffix, wild)
    assert mapper.to_legacy_txt_name(name) == legacy
    assert mapper.to_endpoint_name(legacy) == (name, "")


def test_prefix_and_suffix_are_mutually_exclusive() -> None:
    with pytest.raises(ValueError, match="mutually exclusive"):
        TXTNameMapper(prefix="p-", suffix="-s")


def test_affixes_are_lower_cased() -> None:
    mapper = TXTNameMapper(prefix="ExtDNS-%{record_type}.", wildcard_replacement="Any")
    assert (mapper.prefix, mapper.wildcard_replacement) == ("extdns-%{record_type}.", "any")
    assert mapper.to_txt_name("*.example.com", "A") == "extdns-a.any.example.com"


# -- problems the registry refuses --------------------------------------------------------------

LONG_63 = "x" * 63
LONG_61 = "y" * 61


@pytest.mark.parametrize(
    ("prefix", "name", "rtype", "zone", "fragment"),
    [
        # external-dns #6430: the record's label fits, the TXT's does not.
        ("", f"{LONG_63}.example.com", "A", "example.com", "label of 65 characters"),
        ("", f"{LONG_61}.example.com", "AAAA", "example.com", "label of 66 characters"),
        ("txt-", f"{LONG_61}.example.com", "A", "example.com", "label of 67 characters"),
        # The apex: a-example.com is a sibling of the zone, not inside it.
        ("", "example.com", "A", "example.com", "outside the zone example.com"),
        ("", "example.com", "CNAME", "example.com.", "outside the zone example.com"),
        # A dotted prefix alone still puts the type on the first label: something.a-example.com.
        ("something.", "example.com", "A", "example.com", "outside the zone"),
        # Sub-zone apex too.
        ("", "dev.example.com", "A", "dev.example.com", "outside the zone dev.example.com"),
    ],
)
def test_txt_name_problem(prefix: str, name: str, rtype: str, zone: str, fragment: str) -> None:
    problem = TXTNameMapper(prefix).txt_name_problem(name, rtype, zone)
    assert problem is not None
    assert fragment in problem


def test_whole_name_too_long() -> None:
    name = ".".join(["l" * 60] * 4) + ".example.com"  # 256 characters with its TXT prefix
    problem = TXTNameMapper().txt_name_problem(name, "A", "example.com")
    assert problem is not None and "limit of 253" in problem


@pytest.mark.parametrize(
    ("prefix", "suffix", "name", "rtype", "zone"),
    [
        ("", "", "app.example.com", "A", "example.com"),
        ("", "", f"{'z' * 57}.example.com", "CNAME", "example.com"),  # cname- + 57 = 63
        ("", "", "a.b.example.com", "AAAA", "EXAMPLE.com."),
        # The documented apex recipe: a dotted prefix that carries the type.
        ("extdns-%{record_type}.", "", "example.com", "A", "example.com"),
        ("%{record_type}.", "", "example.com", "AAAA", "example.com"),
        ("", "", "app.dev.example.com", "A", "example.com"),
    ],
)
def test_no_problem(prefix: str, suffix: str, name: str, rtype: str, zone: str) -> None:
    assert TXTNameMapper(prefix, suffix).txt_name_problem(name, rtype, zone) is None


def test_internationalised_labels_are_measured_as_sent() -> None:
    # 26 CJK characters: the record's label is 60 octets as xn--, its TXT label ("a-" + it) 66.
    first = "".join(chr(0x4E00 + i * 37) for i in range(26))
    problem = TXTNameMapper().txt_name_problem(f"{first}.example.com", "A", "example.com")
    assert problem is not None and "label of 66 characters" in problem
    assert TXTNameMapper().txt_name_problem(f"x.{first}.example.com", "A", "example.com") is None


# -- properties ----------------------------------------------------------------------------------

_LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?", fullmatch=True).filter(
    lambda s: (
        s.split("-", 1)[0]
        not in {"a", "aaaa", "cname", "ns", "mx", "ptr", "srv", "naptr", "txt", "dname", "caa"}
    )
)
# "any" is the replacement some mappers below use; a record of that name reads back as the wildcard.
_NAME = st.lists(_LABEL, min_size=1, max_size=4).filter(lambda labels: labels[0] != "any").map(".".join)
_TYPE = st.sampled_from(["A", "AAAA", "CNAME", "NS", "MX", "PTR", "SRV", "NAPTR", "TXT", "DNAME", "CAA"])
_MAPPER = st.sampled_from(
    [
        TXTNameMapper(),
        TXTNameMapper(prefix="_extdns."),
        TXTNameMapper(prefix="txt-"),
        TXTNameMapper(prefix="extdns-%{record_type}."),
        TXTNameMapper(prefix="%{record_type}-"),
        TXTNameMapper(suffix="-extdns"),
        TXTNameMapper(suffix="-%{record_type}"),
        TXTNameMapper(suffix=".%{record_type}.meta"),
        TXTNameMapper(prefix="own-", wildcard_replacement="any"),
    ]
)


@given(_MAPPER, _NAME, _TYPE)
def test_new_format_round_trips(mapper: TXTNameMapper, name: str, rtype: str) -> None:
    assert mapper.to_endpoint_name(mapper.to_txt_name(name, rtype)) == (name, rtype)


@given(_MAPPER, _NAME)
def test_legacy_format_round_trips(mapper: TXTNameMapper, name: str) -> None:
    assert mapper.to_endpoint_name(mapper.to_legacy_txt_name(name)) == (name, "")


@given(_NAME, _TYPE)
def test_wildcards_round_trip_with_a_replacement(rest: str, rtype: str) -> None:
    mapper = TXTNameMapper(prefix="own-", wildcard_replacement="any")
    assert mapper.to_endpoint_name(mapper.to_txt_name(f"*.{rest}", rtype)) == (f"*.{rest}", rtype)
