"""benchmarks/results.py: figures beside the recorded ones, regressions marked, --record writes them."""

from __future__ import annotations

import json
from pathlib import Path

from benchmarks.results import Figure, show, table, take_record_flag

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
