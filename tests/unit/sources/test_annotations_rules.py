"""Annotation readers: the exact reason given for each kind of bad hostname or target, and the
normalisations applied to good ones. Reasons are what a user reads in an Event, so they are pinned."""

from __future__ import annotations

from fractions import Fraction

import pytest

from zonekeeper import annotations as ann

GA = ann.GA_PREFIX


def obj(**annotations: str) -> dict[str, object]:
    return {"metadata": {"name": "web", "namespace": "default",
                         "annotations": {GA + k.replace("_", "-"): v for k, v in annotations.items()}}}


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("", "empty name"),
        ("a..example.com", "empty label"),
        ("a.example.com.", "empty label"),  # clean_hostname strips the root dot; a second dot stays empty
        ("a.*.example.com", "a wildcard is only allowed as the whole first label ('*.')"),
        ("*a.example.com", "a wildcard is only allowed as the whole first label ('*.')"),
        ("*.*.example.com", "a wildcard is only allowed as the whole first label ('*.')"),
        ("*", "a bare '*' is not a name"),
        ("host.123", "the last label is numeric (an IP address is not a hostname)"),
        ("a.b.123", "the last label is numeric (an IP address is not a hostname)"),
        ("10.0.0.1", "the last label is numeric (an IP address is not a hostname)"),
        ("*.-bad.example.com", "label '-bad' has characters other than a-z, 0-9, '-' and '_' or starts/ends with '-'"),
        ("*.x.example.com-", "label 'com-' has characters other than a-z, 0-9, '-' and '_' or starts/ends with '-'"),
    ],
)
def test_hostname_reasons(name: str, why: str) -> None:
    assert ann.hostname_error(name) == why


@pytest.mark.parametrize("name", ["123.example.com", "a.b.c0m", "*.example.com", "_acme-challenge.example.com",
                                  "x.1a", "1.example.c2"])
def test_hostnames_with_numbers_where_allowed(name: str) -> None:
    assert ann.hostname_error(name) is None


def test_clean_hostname_strips_spaces_and_the_root_dot_then_lowers() -> None:
    assert ann.clean_hostname("  WWW.Example.BOX. ") == "www.example.box"
    assert ann.clean_hostname("API.EXAMPLE.COM") == "api.example.com"


@pytest.mark.parametrize(
    ("target", "why"),
    [
        ("2001:db8::zz", "not a valid IPv6 address"),
        ("::1::2", "not a valid IPv6 address"),
        ("10.0.0.256", "not a valid IPv4 address"),
        ("10.0.0", "not a valid IPv4 address"),
        ("*.lb.example.com", "a target cannot be a wildcard"),
        ("lb..example.com", "empty label"),
    ],
)
def test_target_reasons(target: str, why: str) -> None:
    assert ann.target_error(target) == why


def test_target_annotation_keeps_case_and_drops_the_root_dot() -> None:
    targets, problems = ann.targets(obj(target="Lb.Example.BOX., 192.0.2.1, 192.0.2.1"), "service/default/web", prefixes=ann.PREFIXES)
    assert problems == []
    assert targets == ["Lb.Example.BOX", "192.0.2.1"]


def test_target_annotation_absent_is_empty_not_none() -> None:
    assert ann.targets(obj(), "service/default/web", prefixes=ann.PREFIXES) == ([], [])


def test_bad_target_problem_names_the_annotation_and_the_value() -> None:
    targets, problems = ann.targets(obj(target="192.0.2.1,10.0.0.256"), "service/default/web", prefixes=ann.PREFIXES)
    assert targets == ["192.0.2.1"]
    assert [(p.subject, p.reason, p.message) for p in problems] == [(
        "service/default/web", "InvalidTarget",
        f"annotation {GA}target: invalid target '10.0.0.256': not a valid IPv4 address")]


def test_empty_target_entry_is_named() -> None:
    targets, problems = ann.targets(obj(target="192.0.2.1,,192.0.2.2"), "service/default/web", prefixes=ann.PREFIXES)
    assert targets == ["192.0.2.1", "192.0.2.2"]
    assert [p.message for p in problems] == [f"annotation {GA}target: invalid target '': empty entry"]


@pytest.mark.parametrize(("value", "seconds"), [("0", 0), ("+0", 0), ("-0", 0), ("1h30m", 5400), ("-1m", -60),
                                                ("+2s", 2), ("1.5h", 5400), (".5s", Fraction(1, 2)),
                                                ("1ms", Fraction(1, 1000)), ("90µs", Fraction(9, 100000))])
def test_go_durations(value: str, seconds: Fraction | int) -> None:
    assert ann.parse_go_duration(value) == seconds


@pytest.mark.parametrize("value", ["", "1", "h", "1d", "--1s", "1h-1m", "1.2.3s"])
def test_malformed_go_durations(value: str) -> None:
    assert ann.parse_go_duration(value) is None


@pytest.mark.parametrize(
    ("key", "value", "want"),
    [
        ("alias", "yes", "want true, false, A or AAAA"),
        ("aws-weight", "256", "want an integer from 0 to 255"),
        ("aws-failover", "TERTIARY", "want PRIMARY or SECONDARY"),
        ("aws-evaluate-target-health", "maybe", "want true or false"),
        ("aws-geoproximity-coordinates", "91,0",
         "want 'latitude,longitude' with latitude within ±90 and longitude within ±180"),
        ("aws-geoproximity-bias", "100", "want an integer from -99 to 99"),
        ("aws-region", " ", "empty value"),
        ("aws-health-check-id", " ", "empty value"),
        ("aws-health-check-id", "hc-1",
         "want a Route 53 health check id (a UUID such as 0f9e8d7c-6b5a-4938-8271-605f4e3d2c1b)"),
    ],
)
def test_invalid_provider_specific_messages_say_what_is_wanted(key: str, value: str, want: str) -> None:
    _, problems = ann.provider_specific(obj(**{key.replace("-", "_"): value}), "service/default/web", prefixes=ann.PREFIXES)
    assert [p.message for p in problems] == [f"annotation {GA}{key}: invalid value {value!r}: {want}"]


def test_invalid_ttl_message_says_what_is_wanted() -> None:
    seconds, problems = ann.ttl(obj(ttl="0"), "service/default/web", prefixes=ann.PREFIXES)
    assert seconds == 0
    assert [p.message for p in problems] == [
        f"annotation {GA}ttl: invalid value '0': want whole seconds or a Go duration like '10m', "
        "between 1 and 2147483647 seconds"]


def test_invalid_choice_message_lists_the_options() -> None:
    value, problems = ann.choice(obj(access="secret"), "access", ("public", "private"), "service/default/web", prefixes=ann.PREFIXES)
    assert value is None
    assert [p.message for p in problems] == [f"annotation {GA}access: invalid value 'secret': want one of public, private"]
