"""A token bucket: at most `rate` calls a second, `burst` saved up, shared by threads and coroutines.

Route 53 throttles per AWS account, not per client or per zone (5 requests/s in the long-standing
quota), and every controller, thread and retry of ours shares that budget. Letting botocore's
retryer discover the limit by being throttled wastes attempts and retry quota; pacing ourselves
just below it keeps requests succeeding the first time. Hence one bucket per account
(providers/route53/account.py), taken by every HTTP attempt, retries included; the kube client
paces its API calls with one too.

The bucket hands out *reservations* in arrival order: a caller takes its place in line under the
lock, then sleeps outside it until the refill reaches that place. That is first-come first-served,
needs no polling, and works with an injected clock and sleep so tests never sleep for real.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Final

from zonekeeper import ratecontrol

# Float slack for "the refill has reached my place": without it, rate * (wait) can land a hair
# short of the position and cost one more, pointless, micro-sleep.
_EPSILON: Final = 1e-9


class TokenBucket:
    """`rate` tokens per second, at most `burst` saved up; safe to share between threads and
    coroutines (the lock is only held for arithmetic, never across a sleep)."""

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        async_sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError(f"rate must be positive, got {rate}")
        if burst < 1:
            raise ValueError(f"burst must be at least 1, got {burst}")
        self._rate = float(rate)
        self._burst = int(burst)
        self._clock = clock
        self._sleep = sleep
        self._async_sleep = async_sleep
        self._lock = threading.Lock()
        # Accounting as two running totals rather than one token count, so a waiter's place in line
        # (`position`) stays valid however many others arrive or however long a penalty lasts:
        # it may go once `_credited` reaches its position.
        self._credited = float(self._burst)  # tokens ever made available (starts full)
        self._issued = 0.0  # tokens ever handed out or reserved
        # Time up to which refill has been credited. A penalty pushes it into the future, which
        # freezes the refill until then.
        self._last = clock()

    def _refill(self, now: float) -> None:
        if now > self._last:
            # Saved tokens are capped at `burst`; the cap never binds while anyone waits, because
            # then `_credited` is below `_issued`.
            self._credited = min(self._credited + (now - self._last) * self._rate, self._issued + self._burst)
            self._last = now

    def _reserve(self, tokens: float) -> float:
        if tokens <= 0:
            raise ValueError(f"tokens must be positive, got {tokens}")
        self._issued += tokens
        return self._issued

    def _take_place(self, tokens: float, now: float) -> tuple[float, float]:
        """(place in line, seconds to wait) for `tokens` taken at `now`."""
        with self._lock:
            # Refill before reserving: the cap on saved tokens counts from what was issued before
            # this call, or an idle bucket would hand out burst + 1 at once.
            self._refill(now)
            position = self._reserve(tokens)
            return position, self._wait_for(position, now)

    def _wait_for(self, position: float, now: float) -> float:
        """Seconds from `now` until the refill reaches `position` (0 when it already has)."""
        self._refill(now)
        missing = position - self._credited
        if missing <= _EPSILON:
            return 0.0
        # During a penalty `_last` is in the future and the refill only starts from there.
        return max(self._last - now, 0.0) + missing / self._rate

    def acquire(self, tokens: float = 1) -> float:
        """Take `tokens`, blocking until they are available; returns the seconds waited."""
        start = self._clock()
        position, wait = self._take_place(tokens, start)
        while wait > 0:
            self._sleep(wait)
            # Re-check rather than trust the first estimate: a penalty may have come in meanwhile.
            with self._lock:
                wait = self._wait_for(position, self._clock())
        return max(self._clock() - start, 0.0)

    async def acquire_async(self, tokens: float = 1) -> float:
        """`acquire` for coroutines: waits with asyncio.sleep instead of blocking the loop.

        A coroutine cancelled while waiting keeps its place used up; that only ever makes the
        bucket slower, never faster than `rate`.
        """
        start = self._clock()
        position, wait = self._take_place(tokens, start)
        while wait > 0:
            await self._async_sleep(wait)
            with self._lock:
                wait = self._wait_for(position, self._clock())
        return max(self._clock() - start, 0.0)

    @property
    def rate(self) -> float:
        return self._rate

    def set_rate(self, rate: float) -> None:
        """Refill at `rate` from now on (the adaptive limiter's lever). Tokens credited so far stay;
        waiters keep their places, and the ones still missing tokens get them at the new rate."""
        if rate <= 0:
            raise ValueError(f"rate must be positive, got {rate}")
        with self._lock:
            self._refill(self._clock())
            self._rate = float(rate)

    def penalize(self, seconds: float) -> None:
        """Stop handing out tokens for `seconds` from now, for every caller, waiting or not.

        Call it when AWS answers Throttling: the account is over its budget, maybe because of
        another client, and the only useful reaction is for every caller sharing the bucket to back off. Saved
        tokens are dropped so that traffic resumes at `rate` afterwards rather than in a burst.
        Overlapping penalties do not add up; the later end wins.
        """
        if seconds < 0:
            raise ValueError(f"seconds must not be negative, got {seconds}")
        with self._lock:
            now = self._clock()
            self._refill(now)
            self._credited = min(self._credited, self._issued)
            self._last = max(self._last, now + seconds)


class AdaptiveRate:
    """Drives a bucket's rate with ratecontrol's AIMD from what the calls it paces answered.

    Thread-safe (botocore's hooks run in whatever thread sends). `observe` is told the new rate
    after every change, e.g. a metrics gauge; the clock and the jitter source are injectable.
    """

    def __init__(
        self,
        bucket: TokenBucket,
        policy: ratecontrol.RatePolicy | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        jitter: Callable[[], float] = random.random,
        observe: Callable[[float], None] = lambda rate: None,
    ) -> None:
        self.bucket = bucket
        # The configured rate is the ceiling: adapting never sends faster than --aws-rate-limit.
        self.policy = policy or ratecontrol.RatePolicy(ceiling=bucket.rate,
                                                       floor=min(ratecontrol.FLOOR, bucket.rate))
        self._clock = clock
        self._jitter = jitter
        self._observe = observe
        self._lock = threading.Lock()
        self._state = ratecontrol.start(self.policy, clock())
        self._set(self._state.rate)  # slow start: the bucket opens at the start rate

    @property
    def state(self) -> ratecontrol.RateState:
        return self._state

    def succeeded(self) -> None:
        with self._lock:
            before = self._state.rate
            self._state = ratecontrol.on_success(self._state, self.policy, self._clock())
            rate = self._state.rate
        if rate != before:
            self._set(rate)

    def throttled(self, retry_after: float | None = None) -> float:
        """A Throttling answer: lower the rate, pause every caller; returns the pause in seconds."""
        with self._lock:
            out = ratecontrol.on_throttle(self._state, self.policy, self._clock(), jitter=self._jitter(),
                                          retry_after=retry_after)
            self._state = out.state
        self._set(out.state.rate)
        self.bucket.penalize(out.pause)
        return out.pause

    def _set(self, rate: float) -> None:
        self.bucket.set_rate(rate)
        self._observe(rate)
