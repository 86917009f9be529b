"""The mass-deletion guard's decisions, on plain data with an explicit clock."""

from __future__ import annotations

from zonekeeper.endpoint import Key
from zonekeeper.guard import GuardLimits, ZoneGuard, decide, describe, record_deleted

LIMITS = GuardLimits(fraction=0.5, floor=5, window=600.0)


def keys(*numbers: int) -> list[Key]:
    return [Key(f"s{i}.example.com", "A") for i in numbers]


def applied(state: ZoneGuard, now: float, owned: int, numbers: range) -> tuple[bool, ZoneGuard, int]:
    """One pass asking to delete `numbers`; returns (allowed, state after, owned after)."""
    decision = decide(state, LIMITS, now, owned, keys(*numbers))
    state = decision.state
    if decision.allow:
        state = record_deleted(state, now, len(numbers))
        owned -= len(numbers)
    return decision.allow, state, owned


def test_many_small_passes_add_up() -> None:
    state, owned, allowed = ZoneGuard(), 1000, []
    for step in range(12):  # 100 deletions a second: each pass a tenth of the zone
        ok, state, owned = applied(state, float(step), owned, range(step * 100, step * 100 + 100))
        allowed.append(ok)
    assert allowed == [True] * 5 + [False] * 7
    assert owned == 500  # never more than half of the 1,000 we owned when the window began
    assert state.trip is not None and (state.trip.baseline, state.trip.deleted, state.trip.wanted) == (1000, 500, 100)


def test_the_pass_that_would_cross_the_line_deletes_nothing() -> None:
    ok, state, owned = applied(ZoneGuard(), 0.0, 100, range(40))
    assert ok and owned == 60
    ok, state, owned = applied(state, 1.0, owned, range(40, 51))  # 51 > 50
    assert not ok and owned == 60 and state.held == frozenset(keys(*range(40, 51)))


def test_the_floor_lets_tiny_zones_lose_a_few_records() -> None:
    ok, _, owned = applied(ZoneGuard(), 0.0, 3, range(3))
    assert ok and owned == 0
    ok, state, _ = applied(ZoneGuard(), 0.0, 8, range(5))
    assert ok
    ok, _, _ = applied(state, 1.0, 3, range(5, 6))
    assert not ok  # 6 within the window: above both 5 and half of 8


def test_deletions_older_than_the_window_no_longer_count() -> None:
    ok, state, owned = applied(ZoneGuard(), 0.0, 100, range(50))
    assert ok
    ok, _, _ = applied(state, 599.9, owned, range(50, 51))
    assert not ok  # just inside one window: the first deletions still count
    ok, state, owned = applied(state, 600.5, owned, range(50, 75))
    assert ok and owned == 25  # they fell out; half of the 50 owned at the window's start
    ok, _, _ = applied(state, 600.6, owned, range(75, 76))
    assert not ok


def test_the_yardstick_is_what_we_owned_when_the_window_began() -> None:
    state = decide(ZoneGuard(), LIMITS, 0.0, 100, []).state
    state = decide(state, LIMITS, 400.0, 40, []).state  # 60 went before (another tool, an older window)
    # At t=700 the window opens at t=100, when we still owned 100: 50 may go.
    assert decide(state, LIMITS, 700.0, 40, keys(*range(20))).allow
    # At t=1100 it opens at t=500, when we owned 40: only 20 may go.
    decision = decide(state, LIMITS, 1100.0, 40, keys(*range(21)))
    assert not decision.allow and decision.baseline == 40 and decision.limit == 20


def test_creates_followed_by_their_deletes_are_weighed_against_the_peak() -> None:
    state = decide(ZoneGuard(), LIMITS, 0.0, 100, []).state
    state = decide(state, LIMITS, 10.0, 200, []).state  # 100 created (a preview environment)
    assert decide(state, LIMITS, 20.0, 200, keys(*range(100))).allow  # ... and torn down again


def test_once_tripped_every_deletion_is_held_and_creates_are_none_of_its_business() -> None:
    decision = decide(ZoneGuard(), LIMITS, 0.0, 100, keys(*range(60)))
    assert not decision.allow and decision.tripped
    state = decision.state
    # Hours later, a single deletion: still held, and the trip is not counted again.
    later = decide(state, LIMITS, 7200.0, 100, keys(99))
    assert not later.allow and not later.tripped and later.state.trip == state.trip
    # An incremental pass replaces what it held at the names it looked at, and keeps the rest.
    incremental = decide(state, LIMITS, 1.0, 100, keys(0), names={"s0.example.com", "s1.example.com"})
    assert incremental.state.held == frozenset(keys(0, *range(2, 60)))
    assert not incremental.released
    # An incremental pass with nothing to delete does not release: it saw only its names.
    quiet = decide(state, LIMITS, 2.0, 100, [], names={"s0.example.com"})
    assert quiet.state.trip is not None


def test_a_full_pass_with_nothing_to_delete_releases() -> None:
    state = decide(ZoneGuard(), LIMITS, 0.0, 100, keys(*range(60))).state
    full = decide(state, LIMITS, 5.0, 100, keys(3))
    assert not full.allow and full.state.held == frozenset(keys(3))
    released = decide(full.state, LIMITS, 6.0, 100, [])
    assert released.allow and released.released and released.state.trip is None and not released.state.held
    # The window still remembers what it saw: nothing was deleted, so the full budget is back.
    assert decide(released.state, LIMITS, 7.0, 100, keys(*range(50))).allow


def test_nothing_recorded_for_nothing_deleted() -> None:
    state = ZoneGuard()
    assert record_deleted(state, 1.0, 0) is state


def test_the_message_names_the_flags_and_the_way_out() -> None:
    trip = decide(ZoneGuard(), LIMITS, 0.0, 1000, keys(*range(600))).state.trip
    assert trip is not None
    text = describe("example.com", trip, GuardLimits(0.5, 5, 3600.0))
    assert "0 records were deleted within --max-delete-window=1h and 600 more were asked for" in text
    assert "--max-delete-fraction=0.5 of the 1000 records we own there" in text
    assert "docs/troubleshooting.md#mass-deletion-guard" in text
    assert describe("example.com", trip, GuardLimits(0.5, 5, 90.0)).count("--max-delete-window=1m30s") == 1


def test_the_documented_message_is_the_real_one() -> None:
    from pathlib import Path

    from zonekeeper.guard import Trip

    doc = (Path(__file__).resolve().parents[2] / "docs" / "troubleshooting.md").read_text()
    text = describe("example.com", Trip(0.0, 1000, 500, 38, 500.0), GuardLimits(0.5, 5, 3600.0))
    assert f"zone/example.com: {text} [MassDeletionRefused]" in doc
    assert "## Mass-deletion guard" in doc  # the anchor the message points at
