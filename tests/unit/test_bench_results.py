"""benchmarks/results.py: figures beside the recorded ones, regressions marked, --record writes them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from benchmarks import results
from benchmarks.results import Figure, show, table, take_record_flag, yardstick

RECORDED = {"bench_plan[current=100,desired=50]": {"version": "0.1.0", "commit": "abc1234",
                                                    "figures": {"plan median": 0.5, "throughput": 100.0}}}


def test_each_figure_is_shown_beside_the_recorded_one_with_the_change() -> None:
    rows = table("bench_plan", {"desired": 50, "current": 100},
                 [Figure("plan median", 0.52, "s"), Figure("throughput", 80.0, lower_is_better=False),
                  Figure("new one", 3.0)], RECORDED)
    assert "recorded (0.1.0 @ abc1234)" in rows[0]
    assert rows[1].split() == ["plan", "median", "0.52", "s", "0.5", "s", "+4.0%"]
    assert rows[2].split() == ["throughput", "80", "100", "-20.0%", "WORSE"]
    assert rows[3].split() == ["new", "one", "3", "-"]


def test_figures_of_other_parameters_are_not_compared() -> None:
    rows = table("bench_plan", {"desired": 5, "current": 100}, [Figure("plan median", 9.0, "s")], RECORDED)
    assert "none recorded" in rows[0]
    assert "WORSE" not in "".join(rows)


def test_record_writes_the_figures_and_keeps_the_others(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text(json.dumps(RECORDED))
    show("bench_cold_run", {"services": 10}, [Figure("cold calls", 4)], record=True, path=path)
    data = json.loads(path.read_text())
    assert data["bench_cold_run[services=10]"]["figures"] == {"cold calls": 4}
    assert data["bench_plan[current=100,desired=50]"] == RECORDED["bench_plan[current=100,desired=50]"]


def test_the_record_flag_is_taken_out_of_the_arguments() -> None:
    argv = ["bench.py", "1000", "--record"]
    assert take_record_flag(argv) is True
    assert argv == ["bench.py", "1000"]
    assert take_record_flag(argv) is False


TIMED = {"bench_plan[current=100,desired=50]": {"version": "0.1.0", "commit": "abc1234", "machine": 0.1,
                                                 "figures": {"plan median": 1.0, "throughput": 100.0, "RSS": 400.0}}}


def test_a_machine_twice_as_slow_today_is_no_regression_of_the_figures_it_scales() -> None:
    rows = table("bench_plan", {"desired": 50, "current": 100},
                 [Figure("plan median", 2.0, "s", scaled=True), Figure("throughput", 50.0, lower_is_better=False,
                                                                         scaled=True)], TIMED, machine=0.2)
    assert "this machine runs Python 2.00x as slow as when recorded" in rows[0]
    assert rows[2].split() == ["plan", "median", "2", "s", "1", "s", "+100.0%", "(+0.0%", "at", "equal", "speed)"]
    assert rows[3].split() == ["throughput", "50", "100", "-50.0%", "(+0.0%", "at", "equal", "speed)"]


def test_a_regression_beyond_the_machine_s_speed_is_still_marked() -> None:
    rows = table("bench_plan", {"desired": 50, "current": 100},
                 [Figure("plan median", 2.6, "s", scaled=True), Figure("throughput", 40.0, lower_is_better=False,
                                                                         scaled=True)], TIMED, machine=0.2)
    assert rows[2].split()[-5:] == ["(+30.0%", "at", "equal", "speed)", "WORSE"]
    assert rows[3].split()[-5:] == ["(-20.0%", "at", "equal", "speed)", "WORSE"]


def test_figures_that_do_not_scale_with_the_machine_are_compared_as_they_are() -> None:
    rows = table("bench_plan", {"desired": 50, "current": 100}, [Figure("RSS", 500.0, "MB")], TIMED, machine=0.2)
    assert rows[2].split() == ["RSS", "500", "MB", "400", "MB", "+25.0%", "WORSE"]


def test_without_the_recorded_machine_speed_nothing_is_corrected() -> None:
    rows = table("bench_plan", {"desired": 50, "current": 100}, [Figure("plan median", 1.0, "s", scaled=True)],
                 RECORDED, machine=0.2)
    assert rows[-1].split() == ["plan", "median", "1", "s", "0.5", "s", "+100.0%", "WORSE"]
    assert "as slow" not in rows[0] and "as fast" not in rows[0]


def test_record_keeps_the_machine_speed_beside_the_figures(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    show("bench_cold_run", {"services": 10}, [Figure("cold calls", 4)], record=True, path=path, machine=0.125)
    assert json.loads(path.read_text())["bench_cold_run[services=10]"]["machine"] == 0.125


def test_the_yardstick_is_a_positive_number_of_cpu_seconds() -> None:
    assert 0 < yardstick() < 10


def test_the_yardstick_keeps_the_best_reading_of_the_run(monkeypatch: pytest.MonkeyPatch) -> None:
    # A reading taken while the machine was quiet (as the benchmark started) beats a later one.
    monkeypatch.setattr(results, "_SAMPLES", [1e-9])
    assert yardstick(runs=1) == 1e-9
