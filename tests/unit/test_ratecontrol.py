"""The adaptive rate (ratecontrol.py) on plain data: events at given times in, rates and pauses out."""

from __future__ import annotations

import pytest

from zonekeeper import ratecontrol as rc

# Starting at the ceiling keeps the arithmetic of most tests simple; slow start has its own tests.
POLICY = rc.RatePolicy(ceiling=4.0, start_rate=4.0)
SLOW_START = rc.RatePolicy(ceiling=4.0)


def busy(state: rc.RateState, start: float, stop: float, every: float) -> rc.RateState:
    """Successes from `start` to `stop` (exclusive), one every `every` seconds."""
    t = start
    while t < stop - 1e-9:
        state = rc.on_success(state, POLICY, t)
        t += every
    return state


def test_a_fresh_instance_starts_at_one_call_a_second_and_doubles_every_two_seconds_of_use() -> None:
    state = rc.start(SLOW_START, 0.0)
    assert state.rate == 1.0
    for t in (0.0, 1.0, 2.0):
        state = rc.on_success(state, SLOW_START, t)
    assert state.rate == pytest.approx(2.0)
    for t in (2.5, 3.0, 3.5, 4.0, 4.5):
        state = rc.on_success(state, SLOW_START, t)
    assert state.rate == 4.0  # the ceiling, reached after 4 s


def test_slow_start_ends_with_the_first_throttling_answer() -> None:
    state = rc.on_success(rc.start(SLOW_START, 0.0), SLOW_START, 0.0)
    state = rc.on_throttle(state, SLOW_START, 10.0, jitter=0.5).state
    assert state.rate == 0.5
    state = rc.on_success(state, SLOW_START, 12.0)  # 5 s of use counted (the window), 2 s after it
    state = rc.on_success(state, SLOW_START, 14.0)  # additive from now on: +0.002/s per second, not x2
    assert state.rate == pytest.approx(0.5 + 0.002 * (1 + 2 / 60) * 5 + 0.002 * (1 + 4 / 60) * 2)


def test_a_slow_start_above_the_ceiling_starts_at_the_ceiling() -> None:
    assert rc.start(rc.RatePolicy(ceiling=0.5), 0.0).rate == 0.5


def test_successes_never_lift_the_rate_above_the_ceiling() -> None:
    state = busy(rc.start(POLICY, 0.0), 0.0, 600.0, 0.25)
    assert state.rate == 4.0


def test_throttling_without_a_measured_goodput_halves_the_rate() -> None:
    # Two calls in ten seconds: too few to measure a goodput, so the nominal rate is halved.
    state = rc.start(POLICY, 0.0)
    state = rc.on_success(state, POLICY, 10.0)
    out = rc.on_throttle(state, POLICY, 20.0, jitter=0.5)
    assert out.state.rate == 2.0
    assert out.state.decreases == 1


def test_a_congested_instance_comes_down_to_what_got_through_in_one_step() -> None:
    # Paced at 4/s, only one call in two gets through (2/s): the rate becomes 0.9 * 2/s at once,
    # not 4 -> 2 -> 1 one Throttling answer at a time.
    state = busy(rc.start(POLICY, 0.0), 10.25, 15.0, 0.5)  # 10 successes in the 5 s window
    out = rc.on_throttle(state, POLICY, 15.0, jitter=0.5)
    assert out.state.rate == pytest.approx(0.9 * 2.0)


def test_the_rate_never_goes_below_the_floor() -> None:
    state = rc.start(POLICY, 0.0)
    for k in range(30):
        state = rc.on_throttle(state, POLICY, 100.0 * (k + 1), jitter=0.5).state
    assert state.rate == POLICY.floor
    assert state.decreases == 30


def test_one_decrease_per_congestion_episode() -> None:
    state = rc.start(POLICY, 0.0)
    first = rc.on_throttle(state, POLICY, 10.0, jitter=0.5)  # pause 1 s, rate 2/s: episode until 11.5
    second = rc.on_throttle(first.state, POLICY, 11.0, jitter=0.5)
    assert second.state.rate == first.state.rate == 2.0
    assert second.state.throttles == 2 and second.state.decreases == 1
    third = rc.on_throttle(second.state, POLICY, 11.6, jitter=0.5)
    # A new episode; three answers in the window and none got through: down to the floor.
    assert third.state.rate == POLICY.floor and third.state.decreases == 2


def test_a_young_instance_throttled_on_its_first_call_is_not_sent_to_the_floor() -> None:
    # Less than a window old, one answer: its goodput counts the next call as a success
    # (1 call in the minimum span of 1 s), so the rate becomes 0.9 * 1/s, not 0.2/s.
    out = rc.on_throttle(rc.start(POLICY, 0.0), POLICY, 0.3, jitter=0.5)
    assert out.state.rate == pytest.approx(0.9)


def test_a_young_instance_that_gets_nothing_through_goes_to_the_floor() -> None:
    state = rc.start(POLICY, 0.0)
    for t in (0.1, 2.0, 4.8):  # three Throttling answers, three episodes, no success
        state = rc.on_throttle(state, POLICY, t, jitter=0.0).state
    assert state.rate == POLICY.floor


def test_the_pause_is_jittered_around_one_second() -> None:
    state = rc.start(POLICY, 0.0)
    pauses = [rc.on_throttle(state, POLICY, 10.0, jitter=j).pause for j in (0.0, 0.5, 0.999)]
    assert pauses == pytest.approx([0.5, 1.0, 1.499])


def test_retry_after_sets_the_pause_capped() -> None:
    state = rc.start(POLICY, 0.0)
    assert rc.on_throttle(state, POLICY, 10.0, jitter=0.0, retry_after=7.0).pause == 7.0
    assert rc.on_throttle(state, POLICY, 10.0, jitter=0.0, retry_after=3600.0).pause == POLICY.max_pause
    assert rc.on_throttle(state, POLICY, 10.0, jitter=0.0, retry_after=0.0).pause == 0.5


def test_the_rate_grows_additively_while_in_use() -> None:
    # After a decrease to 2/s at t=0, 10 s of calls every 0.5 s: +0.002/s per second, the step
    # growing by one increase per 60 s of quiet (at most 10/60 here).
    state = rc.on_throttle(rc.start(POLICY, 0.0), POLICY, 10.0, jitter=0.5).state
    assert state.rate == 2.0
    state = busy(state, 12.0, 22.0 + 1e-6, 0.5)
    grown = state.rate - 2.0
    assert 0.002 * 10 < grown < 0.002 * 10 * (1 + 12 / 60)


def test_idle_time_does_not_count_towards_the_increase() -> None:
    state = rc.on_throttle(rc.start(POLICY, 0.0), POLICY, 10.0, jitter=0.5).state
    state = rc.on_success(state, POLICY, 12.0)
    state = rc.on_success(state, POLICY, 3612.0)  # an hour idle: counted as one window (5 s)
    assert state.rate == pytest.approx(2.0 + 0.002 * (1 + 3602 / 60) * 5)


def test_a_long_quiet_period_speeds_the_increase_up() -> None:
    after = rc.on_throttle(rc.start(POLICY, 0.0), POLICY, 10.0, jitter=0.5).state
    early = busy(after, 12.0, 22.0, 0.5).rate - after.rate
    later = busy(rc.on_success(after, POLICY, 310.0), 310.0, 320.0, 0.5).rate - after.rate
    assert later > 4 * early


def test_bad_policies_are_refused() -> None:
    with pytest.raises(ValueError, match="floor"):
        rc.RatePolicy(ceiling=0.1)
    with pytest.raises(ValueError, match="keep"):
        rc.RatePolicy(ceiling=4.0, keep=1.0)
