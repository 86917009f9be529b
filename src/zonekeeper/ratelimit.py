"""The token bucket every Route 53 call in the process goes through.

Route 53 throttles per AWS account, not per client or per zone (5 requests/s in the long-standing
quota), and every controller, thread and retry of ours shares that budget. Letting botocore's
retryer discover the limit by being throttled wastes attempts and retry quota; pacing ourselves
just below it keeps requests succeeding the first time. Hence one bucket per process, taken by
every call and every retry (see `TokenBucket.before_send_hook`).

The bucket hands out *reservations* in arrival order: a caller takes its place in line under the
lock, then sleeps outside it until the refill reaches that place. That is first-come first-served,
needs no polling, and works with an injected clock and sleep so tests never sleep for real.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable
from typing import Final

# Zonekeeper's default for Route 53: under AWS's 5 requests/s per account, leaving headroom for
# other tools on the account (a second cluster, Terraform, the console) before throttling starts.
ROUTE53_RATE: Final = 4.0
ROUTE53_BURST: Final = 5

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

    @property
    def rate(self) -> float:
        return self._rate

    @property
    def burst(self) -> int:
        return self._burst

    @property
    def available(self) -> float:
        """Tokens free right now; negative when callers are already waiting (a debt)."""
        with self._lock:
            self._refill(self._clock())
            return self._credited - self._issued

    @property
    def penalized_until(self) -> float:
        """Clock time before which no token is handed out (in the past when there is no penalty)."""
        with self._lock:
            return self._last

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
        with self._lock:
            position = self._reserve(tokens)
            wait = self._wait_for(position, start)
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
        with self._lock:
            position = self._reserve(tokens)
            wait = self._wait_for(position, start)
        while wait > 0:
            await self._async_sleep(wait)
            with self._lock:
                wait = self._wait_for(position, self._clock())
        return max(self._clock() - start, 0.0)

    def try_acquire(self, tokens: float = 1) -> bool:
        """Take `tokens` only if that needs no wait (and nobody is already waiting)."""
        if tokens <= 0:
            raise ValueError(f"tokens must be positive, got {tokens}")
        with self._lock:
            self._refill(self._clock())
            if self._credited - self._issued + _EPSILON >= tokens:
                self._issued += tokens
                return True
            return False

    def penalize(self, seconds: float) -> None:
        """Stop handing out tokens for `seconds` from now, for every caller, waiting or not.

        Call it when AWS answers Throttling: the account is over its budget, maybe because of
        another client, and the only useful reaction is for the whole process to back off. Saved
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

    def before_send_hook(self) -> Callable[..., None]:
        """A botocore `before-send` handler that takes one token per HTTP attempt, retries included:

            client.meta.events.register("before-send.route-53", bucket.before_send_hook())

        It must return None: botocore treats any other return value of a before-send handler as
        the HTTP response and would skip sending the request.
        """

        def handler(**_: object) -> None:
            self.acquire()

        return handler


_shared: TokenBucket | None = None
_shared_lock = threading.Lock()


def route53_bucket() -> TokenBucket:
    """The process-wide Route 53 bucket (ROUTE53_RATE, ROUTE53_BURST), created on first use."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = TokenBucket(ROUTE53_RATE, ROUTE53_BURST)
        return _shared


def set_route53_bucket(bucket: TokenBucket) -> None:
    """Replace the process-wide bucket (configuration at start-up, tests)."""
    global _shared
    with _shared_lock:
        _shared = bucket
