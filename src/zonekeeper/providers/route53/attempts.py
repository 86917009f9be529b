"""What happens around every HTTP attempt botocore makes with an account's client, retries included.

Before sending: a token from the account's bucket, then, for a write, the fence. Under leader
election the fence answers how long the lease is certainly still ours; asked after the token wait
and before each retry, as late as botocore lets us, so a write is never started with too little
left, and its read timeout is bounded by what is left.

After the answer: the attempt is counted by operation and outcome (ok, throttled, error), and a
Throttling answer pauses the account's bucket for everyone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from zonekeeper.providers.base import WriteFence
from zonekeeper.providers.route53.account import Account

# A write is not started with less lease than this left: it would time out on our side (and might
# still be applied on Route 53's), which is worse than not sending it.
MIN_WRITE_SECONDS = 0.5

_THROTTLED = frozenset({"Throttling", "ThrottlingException", "PriorRequestNotComplete"})
# Throttled because an earlier change is still being applied, not because the account is over its rate.
_NOT_A_RATE_PROBLEM = "PriorRequestNotComplete"
_WRITE = ".ChangeResourceRecordSets"


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


@dataclass(slots=True, frozen=True)
class AttemptHooks:
    account: Account
    # The provider's fence as it is at the time of the attempt (it is set after construction).
    fence: Callable[[], WriteFence | None]
    count: Callable[[str, str], None]  # (operation, outcome)

    def install(self) -> None:
        events = self.account.client.meta.events
        events.register("before-send.route-53", self.before_send)
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

    def on_response(self, response: Any = None, operation: Any = None, caught_exception: Any = None,
                    **_: Any) -> None:
        seen = outcome(response, caught_exception)
        if seen is None:
            return  # never sent: not an API call
        result, code = seen
        self.count(getattr(operation, "name", "unknown"), result)
        if result == "throttled" and code != _NOT_A_RATE_PROBLEM and self.account.bucket is not None:
            self.account.bucket.penalize(1.0)
