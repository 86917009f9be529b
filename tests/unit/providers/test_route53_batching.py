"""Change batches under Route 53's limits: counting rules, packing, oversized groups, bisecting."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zonekeeper.providers.route53.batching import (
    DEFAULT_MAX_CHANGES,
    DEFAULT_MAX_CHARS,
    DEFAULT_MAX_VALUES,
    Batch,
    BatchPlan,
    Limits,
    Size,
    batch_changes,
    bisect,
    count_chars,
    count_values,
    group_size,
)


def rr(action: str, name: str, rtype: str, *values: str, set_id: str | None = None) -> dict[str, Any]:
    rrset: dict[str, Any] = {
        "Name": name,
        "Type": rtype,
        "TTL": 300,
        "ResourceRecords": [{"Value": v} for v in values],
    }
    if set_id:
        rrset["SetIdentifier"] = set_id
    return {"Action": action, "ResourceRecordSet": rrset}


def alias(action: str, name: str, target: str) -> dict[str, Any]:
    return {
        "Action": action,
        "ResourceRecordSet": {
            "Name": name,
            "Type": "A",
            "AliasTarget": {
                "DNSName": target,
                "HostedZoneId": "Z35SXDOTRQ7X7K",
                "EvaluateTargetHealth": True,
            },
        },
    }


def owned(action: str, name: str, ip: str) -> list[dict[str, Any]]:
    """A record and its ownership TXT: the usual group."""
    return [
        rr(action, name, "A", ip),
        rr(action, f"a-{name}", "TXT", '"heritage=external-dns,external-dns/owner=default"'),
    ]


# --- counting -------------------------------------------------------------------------------------


def test_plain_record_counts_each_value() -> None:
    change = rr("CREATE", "a.example.com", "A", "10.0.0.1", "10.0.0.22")
    assert count_values(change) == 2
    assert count_chars(change) == len("10.0.0.1") + len("10.0.0.22")


def test_upsert_counts_twice() -> None:
    change = rr("UPSERT", "a.example.com", "A", "10.0.0.1", "10.0.0.22")
    assert count_values(change) == 4
    assert count_chars(change) == 2 * (len("10.0.0.1") + len("10.0.0.22"))


def test_delete_counts_like_create() -> None:
    assert count_values(rr("DELETE", "a.example.com", "TXT", '"x"')) == 1
    assert count_chars(rr("DELETE", "a.example.com", "TXT", '"x"')) == 3


def test_alias_counts_one_value_and_its_dns_name() -> None:
    target = "dualstack.my-lb-1.us-east-1.elb.amazonaws.com"
    assert count_values(alias("CREATE", "a.example.com", target)) == 1
    assert count_chars(alias("CREATE", "a.example.com", target)) == len(target)
    assert count_values(alias("UPSERT", "a.example.com", target)) == 2
    assert count_chars(alias("UPSERT", "a.example.com", target)) == 2 * len(target)


def test_non_ascii_values_are_never_under_counted() -> None:
    change = rr("CREATE", "a.example.com", "TXT", '"héllo"')
    assert count_chars(change) == len('"héllo"'.encode())


def test_group_size_sums_its_changes() -> None:
    group = [*owned("CREATE", "a.example.com", "10.0.0.1"), rr("UPSERT", "b.example.com", "A", "1.1.1.1")]
    txt = '"heritage=external-dns,external-dns/owner=default"'
    assert group_size(group) == Size(changes=3, values=1 + 1 + 2, chars=8 + len(txt) + 2 * 7)


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_values"):
        Limits(max_values=0)
    assert Limits() == Limits(DEFAULT_MAX_CHANGES, DEFAULT_MAX_VALUES, DEFAULT_MAX_CHARS)
    assert Limits() == Limits(1000, 1000, 32000)


# --- packing --------------------------------------------------------------------------------------


def test_everything_fits_in_one_batch_in_the_given_order() -> None:
    groups = [owned("DELETE", "old.example.com", "10.0.0.9"), owned("CREATE", "new.example.com", "10.0.0.1")]
    plan = batch_changes(groups)
    assert plan.oversized == []
    assert len(plan.batches) == 1
    assert plan.batches[0].changes == [*groups[0], *groups[1]]
    # The very dicts given are sent, not copies.
    assert all(a is b for a, b in zip(plan.batches[0].changes, [*groups[0], *groups[1]], strict=True))


def test_default_change_limit_splits_at_1000() -> None:
    groups = [[rr("CREATE", f"h{i}.example.com", "A", "10.0.0.1")] for i in range(1001)]
    plan = batch_changes(groups)
    assert [len(b.changes) for b in plan.batches] == [1000, 1]


def test_default_value_limit_counts_upserts_twice() -> None:
    groups = [[rr("UPSERT", f"h{i}.example.com", "A", "10.0.0.1")] for i in range(501)]
    plan = batch_changes(groups)
    assert [b.size.values for b in plan.batches] == [1000, 2]


def test_default_char_limit() -> None:
    value = '"' + "x" * 253 + '"'  # 255 characters, one TXT string
    groups = [[rr("CREATE", f"t{i}.example.com", "TXT", value)] for i in range(126)]
    plan = batch_changes(groups)
    # 125 * 255 = 31,875 fits under 32,000; the 126th does not.
    assert [len(b.changes) for b in plan.batches] == [125, 1]
    assert all(b.size.chars <= 32000 for b in plan.batches)


def test_batch_change_size_knob() -> None:
    groups = [owned("CREATE", f"h{i}.example.com", "10.0.0.1") for i in range(5)]
    plan = batch_changes(groups, Limits(max_changes=4))
    assert [len(b.groups) for b in plan.batches] == [2, 2, 1]
    assert [b.size.changes for b in plan.batches] == [4, 4, 2]


def test_groups_are_never_split() -> None:
    groups = [owned("CREATE", f"h{i}.example.com", "10.0.0.1") for i in range(3)]
    plan = batch_changes(groups, Limits(max_changes=3))
    # 2 + 2 > 3, so one group per batch rather than a record without its TXT.
    assert [b.groups for b in plan.batches] == [(tuple(g),) for g in groups]


def test_empty_groups_are_dropped() -> None:
    plan = batch_changes([[], owned("CREATE", "a.example.com", "10.0.0.1"), []])
    assert len(plan.batches) == 1
    assert batch_changes([[], []]) == BatchPlan()
    assert batch_changes([]) == BatchPlan()


def test_oversized_group_is_reported_not_batched() -> None:
    big = [rr("UPSERT", "big.example.com", "A", *(f"10.0.{i // 256}.{i % 256}" for i in range(501)))]
    small_before = owned("CREATE", "a.example.com", "10.0.0.1")
    small_after = owned("CREATE", "b.example.com", "10.0.0.2")
    plan = batch_changes([small_before, big, small_after])
    assert [b.changes for b in plan.batches] == [[*small_before, *small_after]]
    assert len(plan.oversized) == 1
    over = plan.oversized[0]
    assert over.group == tuple(big)
    assert over.size.values == 1002
    assert "1002 ResourceRecord values" in over.reason
    assert "at most 1000" in over.reason
    assert "big.example.com A" in over.reason


def test_oversized_reason_names_every_broken_limit() -> None:
    group = [
        rr("CREATE", "w.example.com", "TXT", '"abcdef"', set_id="eu"),
        rr("CREATE", "w.example.com", "TXT", '"x"'),
    ]
    plan = batch_changes([group], Limits(max_changes=1, max_values=1, max_chars=5))
    (over,) = plan.oversized
    assert "2 changes (at most 1 per request)" in over.reason
    assert "2 ResourceRecord values" in over.reason
    assert "11 characters" in over.reason
    assert "for w.example.com TXT, w.example.com TXT [eu] must go in one request" in over.reason
    assert plan.batches == []


def test_group_exactly_at_the_limit_fits() -> None:
    group = [rr("CREATE", "a.example.com", "A", "1.2.3.4")]
    plan = batch_changes([group, group], Limits(max_changes=1, max_values=1, max_chars=7))
    assert plan.oversized == []
    assert len(plan.batches) == 2


def test_batching_is_deterministic() -> None:
    groups = [owned("CREATE", f"h{i}.example.com", "10.0.0.1") for i in range(50)]
    assert batch_changes(groups, Limits(max_changes=7)) == batch_changes(groups, Limits(max_changes=7))


# --- bisect ---------------------------------------------------------------------------------------


def test_bisect_halves_with_the_extra_group_on_the_left() -> None:
    assert bisect([1, 2, 3, 4]) == ([1, 2], [3, 4])
    assert bisect([1, 2, 3]) == ([1, 2], [3])
    assert bisect([1, 2]) == ([1], [2])


def test_bisect_refuses_a_single_group() -> None:
    with pytest.raises(ValueError):
        bisect([1])
    with pytest.raises(ValueError):
        bisect([])


def test_bisect_of_a_batch_keeps_groups_whole() -> None:
    groups = [owned("CREATE", f"h{i}.example.com", "10.0.0.1") for i in range(5)]
    (batch,) = batch_changes(groups).batches
    left, right = bisect(batch.groups)
    assert [*left, *right] == [tuple(g) for g in groups]


@given(st.lists(st.integers(), min_size=2, max_size=50, unique=True))
def test_bisect_search_finds_any_single_culprit(items: list[int]) -> None:
    # The provider's search: bisect until a single group remains; it must take ~log2(n) steps.
    for culprit in items:
        current, steps = list(items), 0
        while len(current) > 1:
            left, right = bisect(current)
            assert left and right and [*left, *right] == current
            current = left if culprit in left else right
            steps += 1
        assert current == [culprit]
        assert steps <= (len(items) - 1).bit_length()


# --- properties -----------------------------------------------------------------------------------

_counter = itertools.count()

actions = st.sampled_from(["CREATE", "DELETE", "UPSERT"])
values = st.text(alphabet='abcdefghij0123456789.é"', min_size=1, max_size=12)


@st.composite
def changes(draw: st.DrawFn) -> dict[str, Any]:
    # Unique names make every change dict distinguishable, so identity checks are meaningful.
    name = f"r{next(_counter)}.example.com"
    action = draw(actions)
    if draw(st.booleans()):
        return alias(
            action, name, draw(st.sampled_from(["d1.cloudfront.net", "x.us-east-1.elb.amazonaws.com"]))
        )
    return rr(
        action,
        name,
        draw(st.sampled_from(["A", "TXT", "CNAME"])),
        *draw(st.lists(values, min_size=1, max_size=4)),
    )


groups_strategy = st.lists(st.lists(changes(), min_size=0, max_size=4), max_size=30)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[list[list[dict[str, Any]]], Limits]:
    groups = draw(groups_strategy)
    if draw(st.booleans()):
        # Tight, arbitrary limits: many groups oversized.
        limits = Limits(draw(st.integers(1, 12)), draw(st.integers(1, 40)), draw(st.integers(1, 600)))
    else:
        # Limits just above the largest group: nothing oversized, many batches.
        sizes = [group_size(g) for g in groups if g] or [Size(1, 1, 1)]
        limits = Limits(
            max(s.changes for s in sizes) + draw(st.integers(0, 4)),
            max(s.values for s in sizes) + draw(st.integers(0, 10)),
            max(s.chars for s in sizes) + draw(st.integers(0, 100)),
        )
    return groups, limits


def _fits(size: Size, limits: Limits) -> bool:
    return (
        size.changes <= limits.max_changes
        and size.values <= limits.max_values
        and size.chars <= limits.max_chars
    )


@settings(max_examples=250, deadline=None)
@given(scenarios())
def test_batching_properties(scenario: tuple[list[list[dict[str, Any]]], Limits]) -> None:
    groups, limits = scenario
    plan = batch_changes(groups, limits)
    non_empty = [tuple(g) for g in groups if g]

    # Every non-empty group lands exactly once, either in a batch or in oversized, intact, and both
    # lists keep the input order.
    batched = [g for b in plan.batches for g in b.groups]
    oversized = [o.group for o in plan.oversized]
    assert batched == [g for g in non_empty if _fits(group_size(g), limits)]
    assert oversized == [g for g in non_empty if not _fits(group_size(g), limits)]
    assert len(batched) + len(oversized) == len(non_empty)
    sent = [c for b in plan.batches for c in b.changes]
    assert len({id(c) for c in sent}) == len(sent)
    assert all(any(c is d for g in non_empty for d in g) for c in sent)

    for batch in plan.batches:
        # Non-empty, within every limit, with a truthful size.
        assert batch.changes
        assert batch.size == group_size(batch.changes)
        assert _fits(batch.size, limits)

    for over in plan.oversized:
        assert not _fits(over.size, limits)
        assert over.reason

    # Next-fit is as tight as order allows: no batch could have taken the next batch's first group.
    for this, nxt in itertools.pairwise(plan.batches):
        assert not _fits(this.size + group_size(nxt.groups[0]), limits)


@settings(max_examples=100, deadline=None)
@given(scenarios())
def test_bisect_halves_of_any_batch_still_fit(scenario: tuple[list[list[dict[str, Any]]], Limits]) -> None:
    groups, limits = scenario
    for batch in batch_changes(groups, limits).batches:
        if len(batch.groups) < 2:
            continue
        left, right = bisect(batch.groups)
        for half in (left, right):
            assert half
            assert _fits(group_size([c for g in half for c in g]), limits)
        assert Batch(tuple(left + right), batch.size) == batch
