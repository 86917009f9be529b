"""The long-lived heap exempted from the garbage collector's rounds after a from-scratch pass
(zonekeeper.heap): a full collection at 100,000 Services stopped the event loop for 0.3-0.5 s."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator

import pytest

from tests.unit.test_safety_net import Clock, Store
from zonekeeper import heap
from zonekeeper.config import Settings
from zonekeeper.controller import RECOMPUTE_ALL_EVERY, Controller
from zonekeeper.wiring import build


@pytest.fixture(autouse=True)
def thawed() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # the test process's heap is not ours to keep frozen


def make(settle: bool) -> tuple[Controller, Clock]:
    settings = Settings.of(provider="inmemory", inmemory_zone=("a.test",), sources=("service",), txt_owner_id="c")
    clock = Clock()
    return Controller(build(settings), Store(), debounce=0, clock=clock, settle_heap=settle), clock


def test_settle_collects_and_exempts_what_is_alive() -> None:
    kept = [[i] for i in range(1000)]
    seconds, exempt = heap.settle()
    # The exempt count can only fall after the freeze (an exempt object freed, here by another of the
    # test process's threads), never rise: asking it twice is not always the same number.
    assert 0 < gc.get_freeze_count() <= exempt and exempt >= len(kept) and seconds >= 0
    assert not any(o is kept[0] for o in gc.get_objects(generation=2))  # no longer in any round


def test_a_from_scratch_pass_settles_the_heap_and_not_again_soon() -> None:
    async def scenario() -> None:
        ctl, clock = make(settle=True)
        await ctl.run_pass(full=True)
        assert gc.get_freeze_count() > 0
        gc.unfreeze()
        ctl.request_full_pass()  # from scratch again (leadership gained), a minute later
        clock.now += 60
        await ctl.run_pass(full=True)
        assert gc.get_freeze_count() == 0
        ctl.request_full_pass()
        clock.now += RECOMPUTE_ALL_EVERY
        await ctl.run_pass(full=True)
        assert gc.get_freeze_count() > 0

    asyncio.run(scenario())


def test_an_ordinary_full_pass_leaves_the_heap_alone() -> None:
    async def scenario() -> None:
        ctl, clock = make(settle=True)
        await ctl.run_pass(full=True)
        gc.unfreeze()
        clock.now += RECOMPUTE_ALL_EVERY
        ctl._last_full = None  # plan it, do not skip it as unchanged
        await ctl.run_pass(full=True)  # the safety net's sweep, not a recompute from scratch
        assert gc.get_freeze_count() == 0

    asyncio.run(scenario())


def test_without_settle_heap_nothing_is_frozen() -> None:
    async def scenario() -> None:
        ctl, _ = make(settle=False)
        await ctl.run_pass(full=True)
        assert gc.get_freeze_count() == 0

    asyncio.run(scenario())
