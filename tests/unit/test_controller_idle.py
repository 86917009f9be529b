"""An idle controller's periodic full pass: skipped only while none of its inputs changed.

The predicate is checked on plain data; the controller over the in-memory provider checks that a
skipped pass never hides a change (an object's, or one made in the zone behind our back).
"""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest

from tests.unit.test_controller import change, make, records, service
from zonekeeper.census import Census
from zonekeeper.changes import Action, Change
from zonekeeper.controller import FullPassInputs, can_skip_full_pass, settled
from zonekeeper.endpoint import Endpoint, Problem
from zonekeeper.pipeline import PassResult, ZoneOutcome
from zonekeeper.providers.base import Zone
from zonekeeper.sources.objects import SERVICES

ZONE = Zone(id="/z/1", name="example.com")
INPUTS = FullPassInputs(outputs=3, term=1, pipeline=7, source_config=9, zones=(("/z/1", 4),), pending=False)


def quiet_result() -> PassResult:
    return PassResult(zones=[ZoneOutcome(ZONE)], census=Census())


def test_same_inputs_after_a_settled_pass_skip() -> None:
    assert can_skip_full_pass(INPUTS, quiet_result(), INPUTS)


@pytest.mark.parametrize("changed", [
    {"outputs": 4}, {"term": 2}, {"pipeline": 8}, {"source_config": 10},
    {"zones": (("/z/1", 5),)}, {"zones": (("/z/1", 4), ("/z/2", 0))}, {"zones": ()},
])
def test_any_changed_stamp_runs_the_pass(changed: dict[str, Any]) -> None:
    assert not can_skip_full_pass(INPUTS, quiet_result(), dataclasses.replace(INPUTS, **changed))


def test_pending_work_or_no_previous_pass_runs_the_pass() -> None:
    assert not can_skip_full_pass(INPUTS, quiet_result(), dataclasses.replace(INPUTS, pending=True))
    assert not can_skip_full_pass(None, quiet_result(), INPUTS)
    assert not can_skip_full_pass(INPUTS, None, INPUTS)
    assert not can_skip_full_pass(INPUTS, quiet_result(), None)


def test_a_pass_that_left_something_to_do_is_not_settled() -> None:
    assert settled(quiet_result())
    create = Change(Action.CREATE, new=Endpoint("a.example.com", "A", ("10.0.0.1",)))
    with_change = quiet_result()
    with_change.zones[0].plan.changes.append(create)
    withheld = quiet_result()
    withheld.zones[0].plan.withheld.append(create)
    problem = quiet_result()
    problem.problems.append(Problem("service/default/a", "Bad", "bad"))
    zone_error = quiet_result()
    zone_error.zones[0].error = "throttled"
    guarded = quiet_result()
    guarded.zones[0].guarded = True
    unlisted = PassResult(zones=[ZoneOutcome(ZONE)], census=Census(), error="cannot list hosted zones")
    no_census = PassResult(zones=[ZoneOutcome(ZONE)])
    for result in (with_change, withheld, problem, zone_error, guarded, unlisted, no_census):
        assert not settled(result)


def test_a_skipped_full_pass_never_hides_a_change() -> None:
    async def scenario() -> None:
        controller, store, provider = make()
        store.add(service("a", "a.example.com", ip="10.0.0.1"))
        planned = 0
        run = controller.wiring.pipeline.run

        def counting(*args: Any, **kwargs: Any) -> PassResult:
            nonlocal planned
            planned += 1
            return run(*args, **kwargs)

        controller.wiring.pipeline.run = counting  # type: ignore[method-assign]
        await controller.run_pass(full=True)  # creates a.example.com
        await controller.run_pass(full=True)  # nothing left to do: settles
        assert planned == 2
        controller.vitals.last_sync = None
        provider.requests = 0
        result = await controller.run_pass(full=True)
        assert planned == 2 and result is not None and result.ok  # idle: not planned again
        assert controller.vitals.last_sync is not None
        assert provider.requests == 1  # the zone's records were still read (expiry, drift check)

        # A record deleted behind our back (the record cache's re-list bumps its generation).
        zone = provider.zones()[0]
        key = next(k for k in provider._records[zone.id] if k.type == "A")
        del provider._records[zone.id][key]
        provider._generation[zone.id] = provider.generation(zone) + 1
        await controller.run_pass(full=True)
        assert planned == 3 and records(provider)[("a.example.com", "A")] == ("10.0.0.1",)

        # An object's change planned by an event pass, then a full pass: planned again, not skipped.
        await controller.run_pass(full=True)
        planned_before = planned
        change(controller, store, SERVICES, store.get(SERVICES, "default", "a"),
               service("a", "a.example.com", ip="10.0.0.2"))
        await controller.run_pass(full=False)
        provider.requests = 0
        await controller.run_pass(full=True)
        assert planned == planned_before + 2
        assert provider.requests == 1  # a pass that plans reads the records once, not once more to check
        assert records(provider)[("a.example.com", "A")] == ("10.0.0.2",)

        # A change not yet planned (dirty) when the full pass comes: that pass plans it.
        await controller.run_pass(full=True)
        change(controller, store, SERVICES, store.get(SERVICES, "default", "a"),
               service("a", "a.example.com", ip="10.0.0.3"))
        await controller.run_pass(full=True)
        assert records(provider)[("a.example.com", "A")] == ("10.0.0.3",)

    asyncio.run(scenario())
