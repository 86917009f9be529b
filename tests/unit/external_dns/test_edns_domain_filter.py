"""external-dns's domain filter tables (endpoint/domain_filter_test.go) against DomainFilter."""

from __future__ import annotations

from typing import Any

import pytest
from edns_tables import cases, wanted

from zonekeeper.domainfilter import DomainFilter, normalize_domain


def _filter(case: dict[str, Any]) -> DomainFilter:
    return DomainFilter(
        include=tuple(case.get("include", ())),
        exclude=tuple(case.get("exclude", ())),
        regex_include=case.get("regex", ""),
        regex_exclude=case.get("regex_exclude", ""),
    )


@pytest.mark.parametrize("case", cases("domain_filter"))
def test_domain_filter(case: dict[str, Any]) -> None:
    want = wanted(case)
    kind = case["kind"]
    if kind == "match":
        f = _filter(case)
        # external-dns asks every domain with and without the root dot.
        got = {d: f.matches(d) for domain in case["domains"] for d in (domain, domain + ".")}
        assert got == dict.fromkeys(got, want)
    elif kind == "match_parent":
        f = _filter(case)
        got = {d: f.is_parent(d) for domain in case["domains"] for d in (domain, domain + ".")}
        assert got == dict.fromkeys(got, want)
    elif kind == "select":
        f = _filter(case)
        assert [d for d in case["domains"] if f.matches(d)] == want
    elif kind == "empty_inputs":
        f = _filter(case)
        assert f.is_configured is want["configured"]
        assert {d: f.matches(d) for d in want["matches"]} == want["matches"]
    elif kind == "is_configured":
        assert _filter(case).is_configured is want
    elif kind == "prepare":
        assert list(_filter(case).include) == want
    elif kind == "unicode_form":
        assert normalize_domain(case["name"]) == want
    elif kind == "from_config":
        f = _filter(case)
        effective = {"regex": f.regex_include, "regex_exclude": f.regex_exclude,
                     "include": list(f.include), "exclude": list(f.exclude)}
        assert effective == want["effective"]
        assert f.is_configured is want["configured"]
        assert {d: f.matches(d) for d in want["matches"]} == want["matches"]
    else:
        pytest.fail(f"unknown kind {kind}")
