"""The adaptive rate of an AWS account's bucket: events in (a call succeeded, a call was throttled), rate out.

Route 53 allows 5 requests/s per account, shared by every cluster and tool using it, and nobody tells
us how many others there are. The only signal is a Throttling answer, and each one costs a request.
So the rate follows AIMD, the rule that lets N independent senders share a link fairly:

* multiplicative decrease on Throttling: the rate becomes `keep` of itself, and at most `margin` of
  what actually got through (the goodput over the last `window` seconds; not used when too few
  calls were made to measure it: an instance that sends one call a minute learns nothing from its
  own goodput). The goodput matters at a cold start: an instance paced at 4/s that only gets 0.5/s
  through would otherwise need three Throttling answers to come down to its share;
* one decrease per congestion episode: answers to requests sent before the decrease took effect
  (until the pause is over and one request went out at the new rate) say nothing new;
* additive increase while the budget is used: `increase` requests/s per second of activity (idle time
  does not count, or an idle instance would come back at the ceiling and storm), the same for every
  instance, which is what makes the shares converge to equal. The step grows with the time since the
  last Throttling answer (one more `increase` per `acceleration` seconds): slow probing right after
  a Throttling answer, where the limit evidently is, faster once it has been quiet for minutes, so a
  lone instance throttled once by somebody else's burst gets its rate back in minutes, not hours;
* slow start: a fresh instance starts at `start_rate` (1/s) and doubles every `doubling` seconds of
  use until its first Throttling answer or the ceiling. Ten clusters restarted together (a
  region-wide roll-out) would otherwise open at 10 x 4/s against an account allowing 5/s; a lone
  one reaches 4/s after 4 s of calls, which costs it about 2 s on a cold run;
* never above `ceiling` (--aws-rate-limit), never below `floor`;
* a pause after each Throttling answer, for everyone sharing the bucket: the server's Retry-After
  when it sent one, else `pause` seconds scaled by a jitter in [0.5, 1.5), so that N instances
  throttled together do not all come back together.

Why the probing is slow by default: each Throttling answer removes about `keep` * share from the
sum of the rates, and the sum grows by N * `increase` per second, so the account sees about
N * increase / (share * (1 - keep)) Throttling answers per second: 10 instances at 0.5/s with
increase 0.002 -> one every ~12 s, under 2 % of their calls.

Pure: plain values in and out, the clock and the jitter passed in (ratelimit.AdaptiveRate applies it).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

FLOOR = 0.2  # requests/s: the default floor

# Answers needed in the window before the goodput is trusted over the nominal rate.
_MIN_SAMPLES = 3
# The goodput of an instance that only just started is counted over at least this long.
_MIN_SPAN = 1.0


@dataclass(slots=True, frozen=True)
class RatePolicy:
    ceiling: float  # requests/s: --aws-rate-limit
    start_rate: float = 1.0  # requests/s of a fresh instance (slow start)
    doubling: float = 2.0  # seconds of use per doubling during slow start
    floor: float = FLOOR
    keep: float = 0.5  # share of the rate kept on a Throttling answer
    margin: float = 0.9  # ... and at most this share of the goodput
    increase: float = 0.002  # requests/s added per second of activity
    acceleration: float = 60.0  # seconds of quiet after which the increase has doubled
    window: float = 5.0  # seconds over which the goodput is measured
    pause: float = 1.0  # mean pause after a Throttling answer without Retry-After
    max_pause: float = 60.0  # a Retry-After beyond this is taken as this

    def __post_init__(self) -> None:
        if not 0 < self.floor <= self.ceiling:
            raise ValueError(f"need 0 < floor <= ceiling, got floor {self.floor}, ceiling {self.ceiling}")
        if not 0 < self.keep < 1:
            raise ValueError(f"keep must be between 0 and 1, got {self.keep}")


@dataclass(slots=True, frozen=True)
class RateState:
    rate: float
    started: float  # when the controller started (goodput of a young instance)
    last_success: float | None = None  # the additive increase counts time between successes
    last_throttle: float | None = None
    hold_until: float = float("-inf")  # Throttling answers before this are the same episode
    successes: tuple[float, ...] = ()  # times of the successes in the window, oldest first
    answers: tuple[float, ...] = ()  # times of every answer in the window (successes and Throttling)
    throttles: int = 0
    decreases: int = 0


def start(policy: RatePolicy, now: float) -> RateState:
    return RateState(rate=min(policy.start_rate, policy.ceiling), started=now)


def _recent(times: tuple[float, ...], policy: RatePolicy, now: float) -> tuple[float, ...]:
    return tuple(t for t in times if t > now - policy.window)


def goodput(state: RateState, policy: RatePolicy, now: float) -> float | None:
    """Successful calls per second over the window; None when too few calls were made to say
    (a congested instance makes many calls of which few succeed; an idle one makes few)."""
    age = now - state.started
    successes = len(_recent(state.successes, policy, now))
    span = min(policy.window, max(age, _MIN_SPAN))
    if len(_recent(state.answers, policy, now)) >= _MIN_SAMPLES:
        return successes / span
    if age >= policy.window:
        return None
    # Young, with only a call or two: count the next one as a success, or a first call that
    # happens to be throttled would send the instance to the floor.
    return (successes + 1) / span


def on_success(state: RateState, policy: RatePolicy, now: float) -> RateState:
    rate = state.rate
    if state.last_success is not None and rate < policy.ceiling:
        # Only time spent using the budget counts: a gap longer than the window is idleness.
        active = min(max(now - state.last_success, 0.0), policy.window)
        if state.last_throttle is None:
            rate = min(policy.ceiling, rate * 2.0 ** (active / policy.doubling))
        else:
            quiet = now - state.last_throttle
            step = policy.increase * (1.0 + max(quiet, 0.0) / policy.acceleration)
            rate = min(policy.ceiling, rate + step * active)
    return replace(state, rate=rate, last_success=now, successes=(*_recent(state.successes, policy, now), now),
                   answers=(*_recent(state.answers, policy, now), now))


@dataclass(slots=True, frozen=True)
class Throttled:
    state: RateState
    pause: float  # seconds every caller of the bucket waits from now


def on_throttle(state: RateState, policy: RatePolicy, now: float, *, jitter: float,
                retry_after: float | None = None) -> Throttled:
    """`jitter` in [0, 1) (random per call); `retry_after`: the server's hint in seconds, if any."""
    if retry_after is not None and retry_after > 0:
        pause = min(retry_after, policy.max_pause)
    else:
        pause = policy.pause * (0.5 + min(max(jitter, 0.0), 1.0))
    state = replace(state, throttles=state.throttles + 1, last_throttle=now,
                    answers=(*_recent(state.answers, policy, now), now))
    if now < state.hold_until:
        return Throttled(state, pause)
    measured = goodput(state, policy, now)
    rate = state.rate * policy.keep
    if measured is not None:  # the startup case: paced at 4/s, getting 0.5/s through
        rate = min(rate, measured * policy.margin)
    rate = max(policy.floor, rate)
    # The episode lasts until the pause is over and one request went out at the new rate.
    return Throttled(replace(state, rate=rate, hold_until=now + pause + 1.0 / rate,
                             decreases=state.decreases + 1), pause)
