"""The exit-code table on plain pass results (the CLI-level proof is tests/integration/test_exit_codes.py)."""

from __future__ import annotations

import pytest

from zonekeeper import exitcodes
from zonekeeper.changes import Action, Change
from zonekeeper.endpoint import Endpoint, Problem
from zonekeeper.pipeline import PassResult, ZoneOutcome
from zonekeeper.plan import Plan
from zonekeeper.providers.base import ApplyResult, Zone

ZONE = Zone("Z1", "example.com")
CHANGE = Change(Action.CREATE, new=Endpoint.new("a.example.com", "A", ["192.0.2.1"]))
REFUSAL = Problem("service/default/a", "OwnedByOther", "a.example.com A: owned by 'other'")


def result(*, changes: bool = False, refused: bool = False, zone_error: bool = False, failed: bool = False,
           source_problem: bool = False, guarded: bool = False, error: bool = False) -> PassResult:
    plan = Plan(changes=[CHANGE] if changes else [], problems=[REFUSAL] if refused else [])
    applied = ApplyResult(failed=[(CHANGE, "InvalidChangeBatch")]) if failed else None
    zone = ZoneOutcome(ZONE, plan=plan, applied=applied, error="AccessDenied" if zone_error else None,
                       guarded=guarded)
    return PassResult(zones=[zone], problems=[REFUSAL] if source_problem else [],
                      error="cannot list zones" if error else None)


@pytest.mark.parametrize(("kwargs", "run", "plan", "detailed"), [
    ({}, 0, 0, 0),
    ({"changes": True}, 0, 0, 2),
    ({"refused": True}, 3, 0, 3),
    ({"source_problem": True}, 3, 0, 3),
    ({"guarded": True}, 3, 0, 3),
    ({"changes": True, "refused": True}, 3, 0, 2),
    ({"failed": True}, 1, 1, 1),
    ({"failed": True, "refused": True}, 1, 1, 1),
    ({"zone_error": True, "changes": True}, 1, 1, 1),
    ({"error": True}, 1, 1, 1),
])
def test_the_table(kwargs: dict[str, bool], run: int, plan: int, detailed: int) -> None:
    outcome = result(**kwargs)
    assert exitcodes.of_run(outcome) == run
    assert exitcodes.of_plan(outcome, detailed=False) == plan
    assert exitcodes.of_plan(outcome, detailed=True) == detailed


def test_codes_are_distinct() -> None:
    codes = [exitcodes.OK, exitcodes.ERROR, exitcodes.CHANGES, exitcodes.REFUSED, exitcodes.USAGE]
    assert len(set(codes)) == len(codes)
    assert exitcodes.of_run(None) == exitcodes.OK  # a pass that had nothing to run (not leader)
