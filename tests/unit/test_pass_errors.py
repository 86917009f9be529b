"""An AWS account whose zones could not be listed fails the pass for what it holds, not for the rest:
the pass result carries the account's error beside the zones that were planned."""

from __future__ import annotations

import json

from zonekeeper import exitcodes, report
from zonekeeper.metrics import sync_succeeded
from zonekeeper.pipeline import PassResult, ZoneOutcome
from zonekeeper.providers.base import Zone

DOWN = "aws profile beta: cannot list hosted zones: InvalidClientTokenId: The security token is invalid."


def partial() -> PassResult:
    return PassResult(zones=[ZoneOutcome(Zone(id="ZALPHA1", name="alpha.example"))], zone_errors=[DOWN])


def test_a_pass_with_an_unlisted_account_is_not_ok_nor_a_successful_sync() -> None:
    result = partial()
    assert result.pass_errors == [DOWN]
    assert not result.ok
    assert not sync_succeeded(result)
    assert exitcodes.failed(result)
    assert PassResult(zones=list(result.zones)).ok  # the same pass without the error is fine


def test_the_unlisted_account_is_in_the_plan_output() -> None:
    assert f"x {DOWN}" in report.render_text(partial())
    assert json.loads(report.render_json(partial()))["errors"] == [{"zone": None, "error": DOWN}]
