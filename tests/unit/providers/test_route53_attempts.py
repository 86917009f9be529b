"""attempts.retry_after: the server's wait hint, from either header AWS front ends use."""

from __future__ import annotations

from zonekeeper.providers.route53.attempts import retry_after


def test_amz_retry_after_is_in_milliseconds() -> None:
    assert retry_after({"x-amz-retry-after": "1500"}) == 1.5


def test_retry_after_is_in_seconds() -> None:
    assert retry_after({"Retry-After": "3"}) == 3.0


def test_the_amz_header_wins() -> None:
    assert retry_after({"x-amz-retry-after": "250", "Retry-After": "9"}) == 0.25


def test_no_or_unusable_header_is_none() -> None:
    assert retry_after(None) is None
    assert retry_after({}) is None
    assert retry_after({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}) is None
    assert retry_after({"Retry-After": "-1"}) is None
    assert retry_after({"Retry-After": "nan"}) is None
