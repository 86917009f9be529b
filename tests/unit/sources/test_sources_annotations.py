from __future__ import annotations

import pytest
from sourcekit import ALPHA, GA, alpha, ga, service

from zonekeeper import annotations as ann

SUBJECT = "service/default/web"


def with_annotations(annotations: dict[str, str]) -> dict[str, object]:
    return service(annotations=annotations)


# --- prefixes -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("annotations", "expected"),
    [
        (ga(hostname="ga.example.com"), "ga.example.com"),
        (alpha(hostname="alpha.example.com"), "alpha.example.com"),
        ({**alpha(hostname="alpha.example.com"), **ga(hostname="ga.example.com")}, "ga.example.com"),
        ({**ga(hostname="ga.example.com"), **alpha(hostname="alpha.example.com")}, "ga.example.com"),
        ({"other.io/hostname": "x.example.com"}, None),
        ({}, None),
    ],
)
def test_get_prefers_the_ga_prefix(annotations: dict[str, str], expected: str | None) -> None:
    assert ann.get(with_annotations(annotations), "hostname", prefixes=ann.PREFIXES) == expected


def test_lookup_names_the_annotation_actually_used() -> None:
    found = ann.lookup({ALPHA + "ttl": "60"}, "ttl", ann.PREFIXES)
    assert found == (ALPHA + "ttl", "60")
    assert ann.lookup({ALPHA + "ttl": "60", GA + "ttl": "30"}, "ttl", ann.PREFIXES) == (GA + "ttl", "30")


def test_annotations_of_tolerates_missing_or_odd_metadata() -> None:
    assert ann.annotations_of({}) == {}
    assert ann.annotations_of({"metadata": {"annotations": None}}) == {}
    assert ann.annotations_of({"metadata": {"annotations": {"a": 1, "b": None, "c": "x"}}}) == {"c": "x"}


# --- hostnames ----------------------------------------------------------------------------------


def test_hostnames_are_split_trimmed_lowered_and_deduplicated() -> None:
    obj = with_annotations(ga(hostname=" a.example.com , B.Example.com.,a.example.com, *.wild.example.com "))
    names, problems = ann.hostnames(obj, "hostname", SUBJECT, prefixes=ann.PREFIXES)
    assert names == ["a.example.com", "b.example.com", "*.wild.example.com"]
    assert problems == []


def test_hostnames_alpha_prefix_used_when_ga_absent() -> None:
    names, _ = ann.hostnames(
        with_annotations(alpha(internal_hostname="int.example.com")), "internal-hostname", "s", prefixes=ann.PREFIXES
    )
    assert names == ["int.example.com"]


@pytest.mark.parametrize(
    "bad",
    [
        "a..example.com",
        "-a.example.com",
        "a-.example.com",
        "x" * 64 + ".example.com",
        "a.*.example.com",
        "foo*.example.com",
        "a!b.example.com",
        "1.2.3.4",
        "*",
        ".",
        ("a" * 60 + ".") * 4 + "example.com",
    ],
)
def test_invalid_hostnames_become_problems_and_valid_ones_survive(bad: str) -> None:
    obj = with_annotations(ga(hostname=f"ok.example.com,{bad}"))
    names, problems = ann.hostnames(obj, "hostname", SUBJECT, prefixes=ann.PREFIXES)
    assert names == ["ok.example.com"]
    assert len(problems) == 1
    problem = problems[0]
    assert problem.subject == SUBJECT
    assert problem.reason == "InvalidHostname"
    assert GA + "hostname" in problem.message
    assert repr(bad) in problem.message


@pytest.mark.parametrize(
    "good",
    [
        "x" * 63 + ".example.com",
        ".".join(["a" * 63] * 3) + "." + "b" * 61,  # 253 characters
        "*.example.com",
        "_acme-challenge.example.com",
        "xn--bcher-kva.example.com",
        "example.com.",
        "localhost",
        "1a.example.com",
    ],
)
def test_valid_hostnames(good: str) -> None:
    assert ann.hostname_error(ann.clean_hostname(good)) is None


def test_hostname_of_254_characters_is_too_long() -> None:
    name = ".".join(["a" * 63] * 3) + "." + "b" * 62
    assert len(name) == 254
    assert "253" in (ann.hostname_error(name) or "")


# --- ttl ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("600", 600),
        ("1", 1),
        ("2147483647", 2147483647),
        ("10m", 600),
        ("1h30m", 5400),
        ("1.5h", 5400),
        ("90s", 90),
        ("1500ms", 1),
        ("1m0.9s", 60),
        (" 300 ", 300),
    ],
)
def test_valid_ttl(value: str, seconds: int) -> None:
    ttl, problems = ann.ttl(with_annotations(ga(ttl=value)), SUBJECT, prefixes=ann.PREFIXES)
    assert (ttl, problems) == (seconds, [])


@pytest.mark.parametrize(
    "value", ["0", "-5", "2147483648", "abc", "500ms", "", "10 m", "10x", "-1m", "1e3", "3.5"]
)
def test_invalid_ttl_is_a_problem_and_not_configured(value: str) -> None:
    ttl, problems = ann.ttl(with_annotations(alpha(ttl=value)), SUBJECT, prefixes=ann.PREFIXES)
    assert ttl == 0
    assert [p.reason for p in problems] == ["InvalidAnnotation"]
    assert ALPHA + "ttl" in problems[0].message
    assert repr(value) in problems[0].message


def test_absent_ttl_is_zero_without_problem() -> None:
    assert ann.ttl(with_annotations({}), SUBJECT, prefixes=ann.PREFIXES) == (0, [])


def test_ga_ttl_wins_even_when_alpha_is_valid() -> None:
    ttl, _ = ann.ttl(with_annotations({**alpha(ttl="60"), **ga(ttl="120")}), SUBJECT, prefixes=ann.PREFIXES)
    assert ttl == 120


def test_go_duration_parser() -> None:
    assert ann.parse_go_duration("2h45m") == 9900
    assert ann.parse_go_duration("0") == 0
    assert ann.parse_go_duration("-1h") == -3600
    assert ann.parse_go_duration("1µs") is not None
    assert ann.parse_go_duration("h") is None
    assert ann.parse_go_duration("600") is None  # Go needs a unit; the integer path handles it


# --- controller ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("annotations", "name", "matches"),
    [
        ({}, "dns-controller", True),
        (ga(controller="dns-controller"), "dns-controller", True),
        (ga(controller="someone-else"), "dns-controller", False),
        (alpha(controller="someone-else"), "dns-controller", False),
        ({**alpha(controller="someone-else"), **ga(controller="mine")}, "mine", True),
        (ga(controller=""), "dns-controller", False),
    ],
)
def test_controller(annotations: dict[str, str], name: str, matches: bool) -> None:
    assert ann.controller_matches(with_annotations(annotations), name, prefixes=ann.PREFIXES) is matches


# --- target -------------------------------------------------------------------------------------


def test_targets_parsed_and_trimmed() -> None:
    obj = with_annotations(ga(target="1.2.3.4, lb.example.net., 2001:db8::1,1.2.3.4"))
    targets, problems = ann.targets(obj, SUBJECT, prefixes=ann.PREFIXES)
    assert targets == ["1.2.3.4", "lb.example.net", "2001:db8::1"]
    assert problems == []
    assert ann.has_targets(obj, prefixes=ann.PREFIXES)


@pytest.mark.parametrize("bad", ["1.2.3.999", "2001:db8::zz", "*.example.com", "a..b", "10.0.0"])
def test_invalid_targets(bad: str) -> None:
    targets, problems = ann.targets(with_annotations(ga(target=f"{bad},5.6.7.8")), SUBJECT, prefixes=ann.PREFIXES)
    assert targets == ["5.6.7.8"]
    assert [p.reason for p in problems] == ["InvalidTarget"]
    assert repr(bad) in problems[0].message
    assert GA + "target" in problems[0].message


def test_has_targets_false_when_empty_or_absent() -> None:
    assert not ann.has_targets(with_annotations(ga(target=" ")), prefixes=ann.PREFIXES)
    assert not ann.has_targets(with_annotations({}), prefixes=ann.PREFIXES)
    assert ann.has_targets(with_annotations(ga(target=" , ")), prefixes=ann.PREFIXES)  # set, but to nothing usable: no fallback
    assert ann.has_targets(with_annotations(alpha(target="1.2.3.999")), prefixes=ann.PREFIXES)


# --- provider-specific --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "prop", "expected"),
    [
        ("alias", "true", "alias", "true"),
        ("alias", "True", "alias", "true"),
        ("alias", "false", "alias", "false"),
        ("alias", "A", "alias", "A"),
        ("alias", "aaaa", "alias", "AAAA"),
        ("aws-weight", "0", "aws/weight", "0"),
        ("aws-weight", "255", "aws/weight", "255"),
        ("aws-weight", " 10 ", "aws/weight", "10"),
        ("aws-failover", "primary", "aws/failover", "PRIMARY"),
        ("aws-failover", "SECONDARY", "aws/failover", "SECONDARY"),
        ("aws-evaluate-target-health", "TRUE", "aws/evaluate-target-health", "true"),
        ("aws-evaluate-target-health", "false", "aws/evaluate-target-health", "false"),
        ("aws-region", "eu-west-1", "aws/region", "eu-west-1"),
        ("aws-geolocation-continent-code", "EU", "aws/geolocation-continent-code", "EU"),
        ("aws-geolocation-country-code", "US", "aws/geolocation-country-code", "US"),
        ("aws-geolocation-subdivision-code", "CA", "aws/geolocation-subdivision-code", "CA"),
        ("aws-geoproximity-coordinates", "49.22, -74.01", "aws/geoproximity-coordinates", "49.22,-74.01"),
        ("aws-geoproximity-coordinates", "-90,180", "aws/geoproximity-coordinates", "-90,180"),
        ("aws-geoproximity-bias", "-99", "aws/geoproximity-bias", "-99"),
        ("aws-geoproximity-bias", "99", "aws/geoproximity-bias", "99"),
        ("aws-geoproximity-region", "us-east-1", "aws/geoproximity-region", "us-east-1"),
        ("aws-geoproximity-local-zone-group", "usw2-lax1", "aws/geoproximity-local-zone-group", "usw2-lax1"),
        ("aws-multi-value-answer", "", "aws/multi-value-answer", "true"),
        ("aws-multi-value-answer", "true", "aws/multi-value-answer", "true"),
        ("aws-health-check-id", "0f9e8d7c-6b5a-4938-8271-605f4e3d2c1b", "aws/health-check-id",
         "0f9e8d7c-6b5a-4938-8271-605f4e3d2c1b"),
        ("aws-target-hosted-zone", "Z3AADJGX6KTTL2", "aws/target-hosted-zone", "Z3AADJGX6KTTL2"),
        ("aws-hosted-zone-id", "Z0123456789", "aws/hosted-zone-id", "Z0123456789"),
        ("aws-something-new", "x", "aws/something-new", "x"),
    ],
)
def test_provider_specific_values(key: str, value: str, prop: str, expected: str) -> None:
    props, problems = ann.provider_specific(with_annotations({GA + key: value}), SUBJECT, prefixes=ann.PREFIXES)
    assert problems == []
    assert props[prop] == expected


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("alias", "yes"),
        ("alias", "CNAME"),
        ("aws-weight", "256"),
        ("aws-weight", "-1"),
        ("aws-weight", "ten"),
        ("aws-failover", "TERTIARY"),
        ("aws-evaluate-target-health", "maybe"),
        ("aws-geoproximity-coordinates", "91,0"),
        ("aws-geoproximity-coordinates", "0,181"),
        ("aws-geoproximity-coordinates", "12"),
        ("aws-geoproximity-coordinates", "a,b"),
        ("aws-geoproximity-coordinates", "nan,0"),
        ("aws-geoproximity-bias", "100"),
        ("aws-geoproximity-bias", "-100"),
        ("aws-geoproximity-bias", "1.5"),
        ("aws-region", ""),
    ],
)
def test_provider_specific_invalid_values(key: str, value: str) -> None:
    # The bad value alone under its key (under either prefix), beside a valid annotation of another key:
    # the bad one is refused and reported, the other still counts.
    other_key, other_prop = ("aws-region", "aws/region") if key != "aws-region" else ("aws-weight", "aws/weight")
    prop = "alias" if key == "alias" else "aws/" + key[4:]
    for prefix in (ALPHA, GA):
        props, problems = ann.provider_specific(
            with_annotations({prefix + key: value, GA + other_key: "7"}), SUBJECT, prefixes=ann.PREFIXES
        )
        assert prop not in props
        assert props[other_prop] == "7"  # the other annotations still count
        assert [p.reason for p in problems] == ["InvalidAnnotation"]
        assert problems[0].subject == SUBJECT
        assert prefix + key in problems[0].message
        assert repr(value) in problems[0].message


def test_provider_specific_valid_ga_value_wins_over_a_bad_legacy_one() -> None:
    props, problems = ann.provider_specific(with_annotations({ALPHA + "aws-weight": "256", GA + "aws-weight": "3"}),
                                            SUBJECT, prefixes=ann.PREFIXES)
    assert problems == []
    assert props == {"aws/weight": "3"}


def test_multi_value_answer_false_means_absent() -> None:
    props, problems = ann.provider_specific(with_annotations(ga(aws_multi_value_answer="false")), SUBJECT, prefixes=ann.PREFIXES)
    assert props == {}
    assert problems == []


def test_geoproximity_bias_defaults_to_zero_only_with_geoproximity() -> None:
    props, _ = ann.provider_specific(with_annotations(ga(aws_geoproximity_region="us-east-1")), SUBJECT, prefixes=ann.PREFIXES)
    assert props == {"aws/geoproximity-region": "us-east-1", "aws/geoproximity-bias": "0"}
    props, _ = ann.provider_specific(
        with_annotations(ga(aws_geoproximity_coordinates="1,2", aws_geoproximity_bias="5")), SUBJECT, prefixes=ann.PREFIXES
    )
    assert props["aws/geoproximity-bias"] == "5"
    props, _ = ann.provider_specific(with_annotations(ga(aws_weight="1")), SUBJECT, prefixes=ann.PREFIXES)
    assert "aws/geoproximity-bias" not in props


def test_provider_specific_merges_prefixes_with_ga_winning_per_key() -> None:
    annotations = {
        **alpha(aws_weight="1", aws_region="eu-west-1", alias="false"),
        **ga(aws_weight="2", alias="true"),
    }
    props, problems = ann.provider_specific(with_annotations(annotations), SUBJECT, prefixes=ann.PREFIXES)
    assert problems == []
    assert props == {"alias": "true", "aws/weight": "2", "aws/region": "eu-west-1"}


def test_ga_invalid_value_is_not_replaced_by_a_valid_alpha_one() -> None:
    props, problems = ann.provider_specific(
        with_annotations({**alpha(aws_weight="1"), **ga(aws_weight="x")}), SUBJECT, prefixes=ann.PREFIXES
    )
    assert "aws/weight" not in props
    assert GA + "aws-weight" in problems[0].message


def test_non_aws_annotations_are_not_provider_specific() -> None:
    props, _ = ann.provider_specific(
        with_annotations(
            {**ga(hostname="a.example.com", ttl="5", cloudflare_proxied="true"), GA + "aws-": "x"}
        ),
        SUBJECT, prefixes=ann.PREFIXES
    )
    assert props == {}


# --- read_common / choice -----------------------------------------------------------------------


def test_read_common_unpacks_like_a_tuple() -> None:
    obj = with_annotations({**ga(ttl="1m", set_identifier=" blue ", aws_weight="7"), **alpha(alias="nope")})
    ttl, set_identifier, props, problems = ann.read_common(obj, SUBJECT, prefixes=ann.PREFIXES)
    assert ttl == 60
    assert set_identifier == "blue"
    assert props == {"aws/weight": "7"}
    assert [p.reason for p in problems] == ["InvalidAnnotation"]
    assert ALPHA + "alias" in problems[0].message


@pytest.mark.parametrize(
    ("value", "expected", "problem"),
    [("public", "public", False), ("PRIVATE", "private", False), ("internal", None, True)],
)
def test_choice(value: str, expected: str | None, problem: bool) -> None:
    got, problems = ann.choice(with_annotations(ga(access=value)), "access", ("public", "private"), SUBJECT, prefixes=ann.PREFIXES)
    assert got == expected
    assert bool(problems) is problem
    if problem:
        assert "public, private" in problems[0].message


# --- internationalised hostnames ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "canonical"),
    [
        # provider/zonefinder_test.go (external-dns v0.23.0): this name belongs in xn--testcass-e1ae.fr.
        ("example.testécassé.fr", "example.xn--testcass-e1ae.fr"),
        ("Bücher.Example.", "xn--bcher-kva.example"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
        ("*.GÖPHER.com", "*.xn--gpher-jua.com"),
        ("straße.de", "strasse.de"),  # transitional mapping, as external-dns's idna profile
        ("點看.org", "xn--c1yn36f.org"),  # internal/idna/idna_test.go
    ],
)
def test_unicode_hostnames_are_published_in_their_ascii_form(written: str, canonical: str) -> None:
    names, problems = ann.hostnames(with_annotations(ga(hostname=written)), "hostname", SUBJECT, prefixes=ann.PREFIXES)
    assert (names, problems) == ([canonical], [])


@pytest.mark.parametrize(
    "bad",
    [
        "nordic-ø.xn--kitty-點看pd34d.com",  # '--' in positions 3-4 of a label (UTS #46 V2)
        "-ø.example.com",  # a Unicode label starting with '-'
        "\u0301ab.example.com",  # starts with a combining mark
        "a\u0080b.example.com",  # a control character: disallowed
    ],
)
def test_hostnames_without_an_idna_form_are_reported(bad: str) -> None:
    names, problems = ann.hostnames(with_annotations(ga(hostname=f"ok.example.com,{bad}")), "hostname", SUBJECT, prefixes=ann.PREFIXES)
    assert names == ["ok.example.com"]
    assert [p.reason for p in problems] == ["InvalidHostname"]
    assert repr(bad) in problems[0].message and "IDNA" in problems[0].message
