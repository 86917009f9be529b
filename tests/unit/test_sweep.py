"""Sweeps over many keys in slices (zonekeeper.sweep), on plain keys."""

from __future__ import annotations

import asyncio
import logging

import pytest

from zonekeeper.sweep import Sweep, visit_all


def test_keys_that_fit_in_one_slice_are_told_at_once() -> None:
    told: list[int] = []
    assert visit_all([1, 2, 3], told.append, size=3) is None
    assert told == [1, 2, 3]


def test_a_sweep_leaves_the_loop_free_between_slices() -> None:
    async def scenario() -> None:
        told: list[int] = []
        seen: list[int] = []  # how much had been told each time another task got the loop

        async def watcher() -> None:
            for _ in range(6):
                seen.append(len(told))
                await asyncio.sleep(0)

        sweep = visit_all(list(range(7)), told.append, size=3)
        assert sweep is not None and told == []  # nothing told inside the pass that started it
        await asyncio.gather(sweep.task, watcher())
        assert told == list(range(7))
        assert seen[:4] == [0, 3, 6, 7]

    asyncio.run(scenario())


def test_objects_a_later_pass_told_are_skipped() -> None:
    async def scenario() -> None:
        told: list[str] = []
        sweep = Sweep(["a", "b", "c", "d"], told.append, size=2)
        await asyncio.sleep(0)
        await asyncio.sleep(0)  # the first slice is out
        sweep.done(["a", "c"])
        await sweep.task
        assert told == ["a", "b", "d"]

    asyncio.run(scenario())


def test_one_failing_object_does_not_stop_the_others(caplog: pytest.LogCaptureFixture) -> None:
    async def scenario() -> None:
        told: list[int] = []

        def tell(key: int) -> None:
            if key % 2:
                raise ValueError(f"bad {key}")
            told.append(key)

        await Sweep(list(range(6)), tell, size=2).task
        assert told == [0, 2, 4]

    with caplog.at_level(logging.ERROR, logger="zonekeeper.sweep"):
        asyncio.run(scenario())
    assert [r.getMessage() for r in caplog.records] == ["a sweep failed at 1; it goes on with the others"]


def test_a_cancelled_sweep_tells_nothing_more() -> None:
    async def scenario() -> None:
        told: list[int] = []
        sweep = Sweep(list(range(10)), told.append, size=4)
        await asyncio.sleep(0)
        await asyncio.sleep(0)  # the first slice is out
        sweep.cancel()
        with pytest.raises(asyncio.CancelledError):
            await sweep.task
        assert told == [0, 1, 2, 3]

    asyncio.run(scenario())


def test_a_paced_sweep_pauses_between_slices_only() -> None:
    async def scenario() -> None:
        events: list[object] = []

        async def sleep(seconds: float) -> None:
            events.append(seconds)
            await asyncio.sleep(0)

        await Sweep(list(range(5)), events.append, size=2, pause=0.05, sleep=sleep).task
        assert events == [0, 0, 1, 0.05, 2, 3, 0.05, 4]

    asyncio.run(scenario())
