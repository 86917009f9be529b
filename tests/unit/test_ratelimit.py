"""The shared token bucket, on a fake clock: nothing here sleeps for real."""

from __future__ import annotations

import asyncio
import threading

import pytest

from zonekeeper.ratecontrol import RatePolicy
from zonekeeper.ratelimit import TokenBucket


class FakeClock:
    """Time that moves only when someone sleeps. Concurrent sleepers move it to the latest wake-up
    time any of them asked for, as real time would have passed by then."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0, "the bucket should never ask for an empty sleep"
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)
        await asyncio.sleep(0)  # let other coroutines run, as a real sleep would

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


def bucket(clock: FakeClock, rate: float = 4.0, burst: int = 5) -> TokenBucket:
    return TokenBucket(rate, burst, clock=clock, sleep=clock.sleep, async_sleep=clock.async_sleep)


def test_validation() -> None:
    clock = FakeClock()
    with pytest.raises(ValueError):
        TokenBucket(0, 5, clock=clock)
    with pytest.raises(ValueError):
        TokenBucket(1, 0, clock=clock)
    b = bucket(clock)
    with pytest.raises(ValueError):
        b.acquire(0)
    with pytest.raises(ValueError):
        b.acquire(-1)
    with pytest.raises(ValueError):
        b.penalize(-1)


def test_burst_is_free_then_paced_at_rate() -> None:
    clock = FakeClock()
    b = bucket(clock)
    waits = [b.acquire() for _ in range(5)]
    assert waits == [0.0] * 5
    assert clock.sleeps == []
    assert b.acquire() == pytest.approx(0.25)
    assert b.acquire() == pytest.approx(0.25)
    assert clock.now == pytest.approx(1000.5)


def test_refill_is_capped_at_burst() -> None:
    clock = FakeClock()
    b = bucket(clock)
    for _ in range(5):
        b.acquire()
    clock.advance(3600)
    # An hour saved up no more than the burst: five free tokens, then the rate again.
    assert [b.acquire() for _ in range(6)] == pytest.approx([0.0] * 5 + [0.25])


def test_partial_refill() -> None:
    clock = FakeClock()
    b = bucket(clock)
    for _ in range(5):
        assert b.acquire() == 0.0
    clock.advance(0.2)  # 0.8 of a token
    assert b.acquire() == pytest.approx(0.05)


def test_a_waiter_keeps_its_place() -> None:
    clock = FakeClock()
    b = bucket(clock, rate=1.0, burst=1)
    assert b.acquire() == 0.0
    # A blocked acquirer reserved the next token; the one after it waits for the one after that.
    assert b.acquire() == pytest.approx(1.0)
    assert b.acquire() == pytest.approx(1.0)
    assert clock.sleeps == pytest.approx([1.0, 1.0])


def test_acquire_several_tokens_even_beyond_burst() -> None:
    clock = FakeClock()
    b = bucket(clock, rate=2.0, burst=2)
    assert b.acquire(2) == 0.0
    assert b.acquire(3) == pytest.approx(1.5)
    assert b.acquire(1) == pytest.approx(0.5)


def test_waits_are_first_come_first_served() -> None:
    clock = FakeClock()
    b = bucket(clock, rate=1.0, burst=1)
    b.acquire()
    # Three callers reserve in turn; each is told a wake-up one second after the previous one.
    positions = []
    for _ in range(3):
        with b._lock:
            positions.append(b._wait_for(b._reserve(1), clock()))
    assert positions == pytest.approx([1.0, 2.0, 3.0])


def test_penalize_stops_everyone_then_resumes_at_rate_without_burst() -> None:
    clock = FakeClock()
    b = bucket(clock)
    assert b.acquire() == 0.0  # 4 tokens still saved
    b.penalize(10)
    # The saved tokens are gone: the first call after the pause waits one refill interval.
    assert b.acquire() == pytest.approx(10.25)
    assert b.acquire() == pytest.approx(0.25)


def test_penalties_do_not_stack() -> None:
    clock = FakeClock()
    b = bucket(clock)
    b.penalize(10)
    b.penalize(3)  # ends before the first: changes nothing
    clock.advance(5)
    b.penalize(10)  # ends 15 s after the start, later than the first
    assert b.acquire() == pytest.approx(10.25)
    assert clock.now == pytest.approx(1015.25)


def test_penalty_reaches_callers_already_waiting() -> None:
    clock = FakeClock()
    b = bucket(clock, rate=1.0, burst=1)
    b.acquire()
    penalized = False

    def sleep_and_get_throttled(seconds: float) -> None:
        # Halfway through this caller's sleep another call is throttled and penalises the bucket.
        nonlocal penalized
        if penalized:
            clock.sleep(seconds)
            return
        penalized = True
        clock.sleep(seconds / 2)
        b.penalize(30)
        clock.sleep(seconds / 2)

    b._sleep = sleep_and_get_throttled
    waited = b.acquire()
    # Half a refill before the penalty, the 30 s penalty (refill frozen), then the other half.
    assert waited == pytest.approx(0.5 + 30 + 0.5)
    assert clock.sleeps == pytest.approx([0.5, 0.5, 30.0])


def test_zero_penalty_is_harmless() -> None:
    clock = FakeClock()
    b = bucket(clock)
    b.penalize(0)
    # Only the saved tokens are dropped: the next call waits one refill interval, no more.
    assert b.acquire() == pytest.approx(0.25)


async def test_acquire_async_paces_coroutines() -> None:
    clock = FakeClock()
    b = bucket(clock, rate=2.0, burst=1)
    waits = await asyncio.gather(*(b.acquire_async() for _ in range(5)))
    assert sorted(waits) == pytest.approx([0.0, 0.5, 1.0, 1.5, 2.0])
    assert clock.now == pytest.approx(1002.0)


async def test_acquire_async_honours_penalty() -> None:
    clock = FakeClock()
    b = bucket(clock)
    b.penalize(2)
    assert await b.acquire_async() == pytest.approx(2.25)


def test_threads_share_the_bucket_and_never_exceed_the_rate() -> None:
    clock = FakeClock()
    rate, burst, threads, calls = 4.0, 5, 8, 25
    b = bucket(clock, rate=rate, burst=burst)
    grants: list[float] = []
    grants_lock = threading.Lock()
    start = threading.Barrier(threads)

    def worker() -> None:
        start.wait()
        for _ in range(calls):
            b.acquire()
            with grants_lock:
                grants.append(clock())

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join(timeout=30)
        assert not t.is_alive()

    total = threads * calls
    assert len(grants) == total
    # Never more tokens by time t than the burst plus what the refill made since the start...
    for count, at in enumerate(sorted(grants), start=1):
        assert count <= burst + rate * (at - 1000.0) + 1e-6
    # ...and no more waiting than needed: the last grant comes when the refill reaches it.
    assert max(grants) == pytest.approx(1000.0 + (total - burst) / rate)


# ------------------------------------------------------------------ the adaptive rate steering a bucket


def test_set_rate_changes_the_refill_from_now_on() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=4.0, burst=1, clock=clock, sleep=clock.sleep)
    bucket.acquire()
    bucket.set_rate(0.5)
    assert bucket.rate == 0.5
    assert bucket.acquire() == pytest.approx(2.0)


def test_adaptive_rate_lowers_the_bucket_and_pauses_it_on_throttling() -> None:
    from zonekeeper.ratelimit import AdaptiveRate

    clock = FakeClock(start=0.0)
    bucket = TokenBucket(rate=4.0, burst=1, clock=clock, sleep=clock.sleep)
    seen: list[float] = []
    policy = RatePolicy(ceiling=4.0, start_rate=4.0)
    adaptive = AdaptiveRate(bucket, policy, clock=clock, jitter=lambda: 0.5, observe=seen.append)
    clock.now = 10.0
    assert adaptive.throttled() == 1.0
    assert bucket.rate == 2.0 and seen == [4.0, 2.0]
    clock.now = 10.2
    assert adaptive.throttled(retry_after=3.0) == 3.0  # the same episode: the rate stays
    assert bucket.rate == 2.0
    # Paused until 13.2, then paced at the new rate: the saved token is gone too.
    assert bucket.acquire() == pytest.approx(3.5)


def test_adaptive_rate_climbs_back_while_calls_succeed() -> None:
    from zonekeeper.ratelimit import AdaptiveRate

    clock = FakeClock(start=0.0)
    bucket = TokenBucket(rate=4.0, burst=1, clock=clock, sleep=clock.sleep)
    adaptive = AdaptiveRate(bucket, RatePolicy(ceiling=4.0, start_rate=4.0), clock=clock, jitter=lambda: 0.5)
    clock.now = 10.0
    adaptive.throttled()
    for _ in range(40):
        clock.now += 0.5
        adaptive.succeeded()
    assert 2.0 < bucket.rate < 2.2
    assert adaptive.state.decreases == 1


def test_adaptive_rate_ceiling_is_the_configured_rate_and_the_bucket_opens_at_the_start_rate() -> None:
    from zonekeeper.ratelimit import AdaptiveRate

    assert AdaptiveRate(TokenBucket(rate=0.1, burst=1)).policy.floor == 0.1
    bucket = TokenBucket(rate=4.0, burst=5)
    assert AdaptiveRate(bucket).policy.ceiling == 4.0
    assert bucket.rate == 1.0
