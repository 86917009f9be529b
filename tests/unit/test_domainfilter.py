"""Domain filters. Rows marked `domain_filter_test.go` are external-dns's own vectors."""

from __future__ import annotations

import pytest

from zonekeeper.domainfilter import DomainFilter, normalize_domain

# (include, exclude, names, expected) -- domain_filter_test.go domainFilterTests
LIST_CASES: list[tuple[list[str], list[str], list[str], bool]] = [
    (["google.com.", "exaring.de", "inovex.de"], [""], ["google.com", "exaring.de", "inovex.de"], True),
    (["google.com.", "exaring.de.", "inovex.de"], [""], ["google.com", "exaring.de", "inovex.de"], True),
    (["foo.org.      "], [""], ["foo.org"], True),
    (["   foo.org"], [""], ["foo.org"], True),
    (["foo.org."], [""], ["foo.org"], True),
    (["foo.org."], [""], ["baz.org"], False),
    (["baz.foo.org."], [""], ["foo.org"], False),
    (["", "foo.org."], [""], ["foo.org"], True),
    ([""], [""], ["foo.org"], True),
    ([" "], [""], ["foo.org"], True),
    (["bar.sub.example.org"], [""], ["foo.bar.sub.example.org"], True),
    (["example.org"], [""], ["anexample.org", "test.anexample.org"], False),
    ([".example.org"], [""], ["anexample.org", "test.anexample.org"], False),
    ([".example.org"], [""], ["example.org"], False),
    ([".example.org"], [""], ["test.example.org"], True),
    (["anexample.org"], [""], ["example.org", "test.example.org"], False),
    ([".org"], [""], ["example.org", "test.example.org", "foo.test.example.org"], True),
    (["example.org"], ["api.example.org"], ["example.org", "test.example.org", "foo.test.example.org"], True),
    (["example.org"], ["api.example.org"], ["foo.api.example.org", "api.example.org"], False),
    (
        ["   example.org. "],
        ["   .api.example.org    "],
        ["foo.api.example.org", "bar.baz.api.example.org."],
        False,
    ),
    (["example.org."], ["api.example.org"], ["dev-api.example.org", "qa-api.example.org"], True),
    (["example.org."], ["api.example.org"], ["dev.api.example.org", "qa.api.example.org"], False),
    (["example.org", "api.example.org"], ["internal.api.example.org"], ["foo.api.example.org"], True),
    (
        ["example.org", "api.example.org"],
        ["internal.api.example.org"],
        ["foo.internal.api.example.org"],
        False,
    ),
    (["eXaMPle.ORG", "API.example.ORG"], ["Foo-Bar.Example.Org"], ["FoOoo.Api.Example.Org"], True),
    (["eXaMPle.ORG", "API.example.ORG"], ["api.example.org"], ["foobar.Example.Org"], True),
    (["eXaMPle.ORG", "API.example.ORG"], ["api.example.org"], ["foobar.API.Example.Org"], False),
    # Internationalised names: filters and names compare in Unicode, whichever form they come in.
    (
        ["xn--bcher-kva.example"],
        [""],
        ["bücher.example", "shop.BÜCHER.example", "xn--bcher-kva.example."],
        True,
    ),
    (["Bücher.example"], [""], ["xn--bcher-kva.example", "a.xn--bcher-kva.example"], True),
    (["bücher.example"], [""], ["bucher.example", "xn--bcher.example"], False),
    # UTS #46 transitional mapping: ß is ss, so these are one name to external-dns.
    (["straße.de"], [""], ["strasse.de", "www.STRASSE.de"], True),
    (["example.org"], ["xn--bcher-kva.example.org"], ["bücher.example.org"], False),
    # Only one trailing dot is the root; a leading dot on a name is not trimmed.
    (["example.org"], [""], ["example.org.", "a.example.org."], True),
]


@pytest.mark.parametrize(("include", "exclude", "names", "expected"), LIST_CASES)
def test_lists(include: list[str], exclude: list[str], names: list[str], expected: bool) -> None:
    dfilter = DomainFilter(include=tuple(include), exclude=tuple(exclude))
    for name in names:
        assert dfilter.matches(name) is expected, name
        assert dfilter.matches(name + ".") is expected or name.endswith("."), name


@pytest.mark.parametrize("name", ["foo.org", "", "anything.example.com.", "xn--bcher-kva.example"])
def test_empty_filter_matches_everything(name: str) -> None:
    assert DomainFilter().matches(name)
    assert not DomainFilter().is_configured


@pytest.mark.parametrize(  # domain_filter_test.go TestDomainFilterIsConfigured
    ("include", "exclude", "configured"),
    [
        ([""], [""], False),
        (["    "], ["    "], False),
        (["", ""], [""], False),
        ([" . "], [" . "], False),
        ([" notempty.com "], ["  "], True),
        ([" notempty.com "], ["  thisdoesntmatter.com "], True),
        ([""], ["  thisdoesntmatter.com "], True),
    ],
)
def test_is_configured(include: list[str], exclude: list[str], configured: bool) -> None:
    assert DomainFilter(tuple(include), tuple(exclude)).is_configured is configured


def test_filters_are_prepared_like_external_dns() -> None:
    dfilter = DomainFilter(include=("  foo   ", "  bar. ", "baz.", " ", "Foo.Bar.Baz.  "))
    assert dfilter.include == ("foo", "bar", "baz", "foo.bar.baz")


# -- regex ---------------------------------------------------------------------------------------

REGEX_CASES = [
    # domain_filter_test.go regexDomainFilterTests
    (r"\.org$", "", ["foo.org", "bar.org", "foo.bar.org"], True),
    (r"\.bar\.org$", "", ["foo.org", "bar.org", "example.com"], False),
    (
        r"(?:foo|bar)\.org$",
        "",
        [
            "foo.org",
            "bar.org",
            "example.foo.org",
            "example.bar.org",
            "a.example.foo.org",
            "a.example.bar.org",
        ],
        True,
    ),
    (r"(?:foo|bar)\.org$", r"^example\.(?:foo|bar)\.org$", ["foo.org", "bar.org", "a.example.foo.org"], True),
    (r"(?:foo|bar)\.org$", r"^example\.(?:foo|bar)\.org$", ["example.foo.org", "example.bar.org"], False),
    # Exclusion alone: everything not excluded.
    ("", r"^internal\.", ["public.example.org", "a.internal.example.org"], True),
    ("", r"^internal\.", ["internal.example.org"], False),
    # Names are normalised before the regex sees them.
    (r"^bücher\.example$", "", ["XN--BCHER-KVA.example", "Bücher.Example"], True),
]


@pytest.mark.parametrize(("include", "exclude", "names", "expected"), REGEX_CASES)
def test_regex(include: str, exclude: str, names: list[str], expected: bool) -> None:
    dfilter = DomainFilter(regex_include=include, regex_exclude=exclude)
    assert dfilter.is_configured and dfilter.is_regex
    for name in names:
        assert dfilter.matches(name) is expected, name
        assert dfilter.matches(name + ".") is expected, name


def test_regex_overrides_the_lists() -> None:
    dfilter = DomainFilter(include=("example.com",), exclude=("a.example.org",), regex_include=r"\.org$")
    assert dfilter.matches("a.example.org")
    assert not dfilter.matches("example.com")


def test_bad_regex_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="--regex-domain-filter"):
        DomainFilter(regex_include="(")
    with pytest.raises(ValueError, match="--regex-domain-exclusion"):
        DomainFilter(regex_exclude="[")


# -- hosted zones --------------------------------------------------------------------------------

# (include, exclude, zone, selected without --aws-zone-match-parent, selected with it)
ZONE_CASES = [
    (["example.com"], [], "example.com.", True, True),
    (["example.com"], [], "sub.example.com.", True, True),  # a delegated child zone is in scope
    (["example.com"], [], "example.org.", False, False),
    # --aws-zone-match-parent (external-dns docs: filter x.example.com also selects example.com)
    (["x.example.com"], [], "example.com.", False, True),
    (["a.b.example.com"], [], "example.com", False, True),
    (["a.b.example.com"], [], "b.example.com", False, True),
    (["x.example.com"], [], "ample.com", False, False),  # a suffix, not a parent
    ([".x.example.com"], [], "example.com", False, False),  # leading dot: subdomains only
    ([".x.example.com"], [], "x.example.com", False, False),
    (["x.example.com"], ["example.com"], "example.com", False, False),  # excluded outright
    (["x.example.com", "y.other.org"], [], "other.org", False, True),
    ([], [], "anything.net", True, True),
    ([], ["anything.net"], "anything.net", False, False),
    (["xn--bcher-kva.example"], [], "example.", False, True),
    (["shop.bücher.example"], [], "xn--bcher-kva.example.", False, True),
]


@pytest.mark.parametrize(("include", "exclude", "zone", "plain", "parent"), ZONE_CASES)
def test_zone_selection(include: list[str], exclude: list[str], zone: str, plain: bool, parent: bool) -> None:
    dfilter = DomainFilter(tuple(include), tuple(exclude))
    assert dfilter.zone_matches(zone) is plain
    assert dfilter.zone_matches(zone, match_parent=True) is parent
    assert dfilter.matches_parent(zone) is parent


def test_match_parent_with_a_regex_selects_every_zone_like_external_dns() -> None:
    # MatchParent reads only the lists; a regex filter has none, so every zone is a "parent".
    dfilter = DomainFilter(regex_include=r"\.example\.com$")
    assert not dfilter.zone_matches("other.org")
    assert dfilter.zone_matches("other.org", match_parent=True)


def test_a_regex_drops_the_domain_lists_also_for_parent_zones() -> None:
    # external-dns (NewDomainFilterWithOptions) builds a regex-only filter once a regex is set: the
    # lists no longer count, neither for records nor for --aws-zone-match-parent. Keeping the lists
    # made zonekeeper manage fewer zones than external-dns with the same flags.
    dfilter = DomainFilter(("app.example.com",), ("other.org",), regex_include=r"\.example\.com$")
    assert dfilter.include == () and dfilter.exclude == ()
    for zone in ("example.com", "other.org", "unrelated.net"):
        assert dfilter.zone_matches(zone, match_parent=True), zone
    assert not dfilter.zone_matches("unrelated.net")
    assert dfilter.matches("www.other.example.com")  # the exclusion list no longer applies either


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("Example.COM.", "example.com"),
        ("example.com..", "example.com."),
        (".example.com", ".example.com"),
        ("*.GÖPHER.com", "*.göpher.com"),  # internal/idna/idna_test.go
        ("*._abrakadabra.com", "*._abrakadabra.com"),
        ("_abrakadabra.com", "_abrakadabra.com"),
        ("*.foo.kube.example.com", "*.foo.kube.example.com"),
        ("xn--bcher-kva.example.com", "bücher.example.com"),
        ("XN--BCHER-KVA.example.com", "bücher.example.com"),
        ("xn--zz.example", "xn--zz.example"),  # not punycode: compared as written
        ("Straße.DE", "strasse.de"),
        ("bücher。example", "bücher.example"),
        ("", ""),
    ],
)
def test_normalize_domain(raw: str, normal: str) -> None:
    assert normalize_domain(raw) == normal


@pytest.mark.parametrize("flag", ["domain_filter", "exclude_domains"])
def test_a_domain_filter_without_an_idna_form_is_a_config_error(flag: str) -> None:
    from zonekeeper.config import ConfigError, Settings

    bad = "nordic-ø.xn--kitty-點看pd34d.com"  # '--' in positions 3-4 of a label
    with pytest.raises(ConfigError, match=rf"--{flag.replace('_', '-')} {bad!r}: no IDNA form: label"):
        Settings.of(txt_owner_id="x", **{flag: ("example.com", bad)}).validate()
    Settings.of(txt_owner_id="x", **{flag: ("bücher.example", "example.com.")}).validate()
