"""What happens around every HTTP attempt botocore makes with an account's client, retries included.

Before sending: a token from the account's bucket, then, for a write, the fence. Under leader
election the fence answers how long the lease is certainly still ours; asked after the token wait
and before each retry, as late as botocore lets us, so a write is never started with too little
left, and its read timeout is bounded by what is left.

After the answer: the attempt is counted by operation and outcome (ok, throttled, error), timed
(from the moment it is sent: the token wait is the rate limiter's, not Route 53's), and a
Throttling answer pauses the account's bucket for everyone. With an adaptive rate (the default,
ratecontrol.py), answers also steer the bucket's rate: down on Throttling, slowly up while calls
succeed, so that several clusters on one account share its 5 requests/s without a storm; a
Retry-After (Route 53 sends none today; other AWS front ends send x-amz-retry-after) sets the pause.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from zonekeeper.providers.base import HttpRequest, WriteFence
from zonekeeper.providers.route53.account import Account
from zonekeeper.ratelimit import AdaptiveRate

# A write is not started with less lease than this left: it would time out on our side (and might
# still be applied on Route 53's), which is worse than not sending it.
MIN_WRITE_SECONDS = 0.5

_THROTTLED = frozenset({"Throttling", "ThrottlingException", "PriorRequestNotComplete"})
# Throttled because an earlier change is still being applied, not because the account is over its rate.
_NOT_A_RATE_PROBLEM = "PriorRequestNotComplete"
_WRITE = ".ChangeResourceRecordSets"
# Where an attempt's send time rides from before-send to needs-retry (botocore's per-request context).
_SENT_AT = "zonekeeper_sent_at"
# The pause when the rate is not adaptive (the old behaviour, --no-aws-rate-limit-adaptive).
FIXED_PAUSE = 1.0


class LeaseExpired(Exception):
    """Raised from botocore's before-send hook: the write would not be over while we certainly lead."""


def too_little_lease(fence: WriteFence | None) -> bool:
    return fence is not None and fence() < MIN_WRITE_SECONDS


def outcome(response: Any, caught_exception: Any) -> tuple[str, str] | None:
    """(outcome, error code) of one attempt; None when it was never sent."""
    if isinstance(caught_exception, LeaseExpired):
        return None
    if response is None:
        return "error", ""
    http, parsed = response
    if http is not None and http.status_code < 300:
        return "ok", ""
    code = (parsed or {}).get("Error", {}).get("Code", "")
    return ("throttled" if code in _THROTTLED else "error"), code


def retry_after(headers: Any) -> float | None:
    """Seconds the server asked us to wait: `x-amz-retry-after` (milliseconds, AWS's header) or
    `Retry-After` (delta-seconds; the HTTP-date form is not used by AWS and is ignored); None if neither."""
    if not headers:
        return None
    for name, scale in (("x-amz-retry-after", 0.001), ("Retry-After", 1.0)):
        raw = headers.get(name)
        if raw is None:
            continue
        try:
            value = float(raw) * scale
        except (TypeError, ValueError):
            continue
        if value >= 0 and value == value:  # not NaN
            return value
    return None


@dataclass(slots=True, frozen=True)
class AttemptHooks:
    account: Account
    # The provider's fence as it is at the time of the attempt (it is set after construction).
    fence: Callable[[], WriteFence | None]
    count: Callable[[str, str], None]  # (operation, outcome)
    timed: Callable[[HttpRequest], None] = lambda _: None
    clock: Callable[[], float] = field(default=time.monotonic)
    # Steers the account's bucket from the answers; None: a fixed rate and a fixed pause.
    adaptive: AdaptiveRate | None = None

    def install(self) -> None:
        events = self.account.client.meta.events
        events.register("before-send.route-53", self.before_send)
        events.register_last("before-send.route-53", self.sent)
        events.register("needs-retry.route-53", self.on_response)

    def before_send(self, event_name: str = "", request: Any = None, **_: Any) -> None:
        # Must return None: botocore takes any other value as the HTTP response and sends nothing.
        if self.account.bucket is not None:
            self.account.bucket.acquire()
        fence = self.fence()
        if fence is None or not event_name.endswith(_WRITE):
            return
        budget = fence()
        if budget < MIN_WRITE_SECONDS:
            raise LeaseExpired(f"{budget:.2f}s of leadership left")
        if request is not None:
            request.context["read_timeout"] = budget

    def sent(self, request: Any = None, **_: Any) -> None:
        # Registered last on before-send, so the token wait and the fence are not part of the time.
        if request is not None:
            request.context[_SENT_AT] = self.clock()

    def on_response(self, response: Any = None, operation: Any = None, caught_exception: Any = None,
                    request_dict: Any = None, **_: Any) -> None:
        seen = outcome(response, caught_exception)
        if seen is None:
            return  # never sent: not an API call
        result, code = seen
        self.count(getattr(operation, "name", "unknown"), result)
        timed = http_request(request_dict or {}, response, self.clock())
        if timed is not None:
            self.timed(timed)
        if result == "ok" and self.adaptive is not None:
            self.adaptive.succeeded()
        elif result == "throttled" and code != _NOT_A_RATE_PROBLEM:
            self._throttled(response)

    def _throttled(self, response: Any) -> None:
        if self.adaptive is not None:
            http = response[0] if response is not None else None
            self.adaptive.throttled(retry_after(getattr(http, "headers", None)))
        elif self.account.bucket is not None:
            self.account.bucket.penalize(FIXED_PAUSE)


def http_request(request_dict: dict[str, Any], response: Any, now: float) -> HttpRequest | None:
    """The attempt botocore describes in `request_dict` (its URL, method and the send time `sent`
    left in its context) with the answer's status; None when it was never timed."""
    sent_at = request_dict.get("context", {}).pop(_SENT_AT, None)
    if sent_at is None:
        return None
    url = urlsplit(str(request_dict.get("url", "")))
    http = response[0] if response is not None else None
    status = str(http.status_code) if http is not None else "unknown"
    return HttpRequest(url.scheme, url.netloc, url.path, str(request_dict.get("method", "")), status,
                       max(0.0, now - sent_at))
