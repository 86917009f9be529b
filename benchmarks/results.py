"""Benchmark figures side by side with the recorded ones, so that a regression shows in review.

Every benchmark ends with `results.show(name, params, figures)`: each figure is printed next to the
value in benchmarks/results.json for the same benchmark and parameters (the last release's, as
recorded with `--record`), with the change in per cent and a marker when it got worse by more
than the benchmark's own noise (`tolerance`). `--record` writes the figures just measured into the
file, with the version and commit they come from; commit that file when cutting a release.
Figures measured with other parameters are not compared (10,000 Services are not 1,000).

The same machine is not always as fast: on one day the 2-core runner took twice as long for the same
pure C parse. So each record keeps a yardstick (`yardstick()`, CPU seconds of a fixed pure-Python
workload), and a figure marked `scaled` (CPU-bound: CPU time, a CPU-bound rate) is also compared at
equal speed, its value corrected by the two yardsticks' ratio; the regression marker then goes by
that. Figures that do not follow the CPU (RSS, calls, latencies set by waits and rate limits) are
compared as they are.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).with_name("results.json")
RECORD = "--record"


@dataclass(slots=True, frozen=True)
class Figure:
    name: str
    value: float
    unit: str = ""
    lower_is_better: bool = True
    tolerance: float = 0.10  # relative change treated as noise
    scaled: bool = False  # follows the machine's speed: also compared at equal speed (see the module)


def yardstick(runs: int = 9) -> float:
    """CPU seconds of a fixed pure-Python workload, the best of `runs` spread over half a second: how
    fast this machine runs Python now (about 0.015 s on the 2-core runner). Also the best of every
    earlier call in this process (`take_record_flag` makes one as a benchmark starts, before it
    loads the machine): a run that ends while its apiserver is still stopping reads slower."""
    best = min(_SAMPLES, default=float("inf"))
    for _ in range(runs):
        started = time.process_time()
        table: dict[str, int] = {}
        for i in range(60_000):
            table[str(i)] = i * i % 7
        sum(v for v in table.values() if v)
        best = min(best, time.process_time() - started)
        time.sleep(0.05)
    _SAMPLES.append(best)
    return best


_SAMPLES: list[float] = []


def take_record_flag(argv: list[str] | None = None) -> bool:
    """True if `--record` is among the arguments; it is removed so the benchmark's own parsing
    never sees it. Called as a benchmark starts, it also takes the run's first yardstick reading,
    while the machine is still quiet."""
    args = sys.argv if argv is None else argv
    yardstick()  # while the machine is quiet
    if RECORD in args:
        args.remove(RECORD)
        return True
    return False


def _version() -> str:
    with (ROOT / "pyproject.toml").open("rb") as f:
        return str(tomllib.load(f)["project"]["version"])


def _commit() -> str:
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return ""
    return out.stdout.strip()


def load(path: Path = RESULTS) -> dict[str, Any]:
    if not path.exists():
        return {}
    data = json.loads(path.read_text())
    if not isinstance(data, dict):
        raise SystemExit(f"{path}: expected a JSON object of benchmarks, got {type(data).__name__}")
    return data


def _key(bench: str, params: dict[str, Any]) -> str:
    inner = ",".join(f"{k}={params[k]}" for k in sorted(params))
    return f"{bench}[{inner}]" if inner else bench


def _fmt(value: float) -> str:
    return f"{value:,.3f}".rstrip("0").rstrip(".") if abs(value) < 1000 else f"{value:,.0f}"


def _worse(rel: float, figure: Figure) -> bool:
    return rel > figure.tolerance if figure.lower_is_better else rel < -figure.tolerance


def _change(now: float, before: float, figure: Figure, slowdown: float | None) -> str:
    """The change in per cent; for a scaled figure with a known `slowdown` (today's yardstick over the
    recorded one), also the change at equal speed, which alone decides the marker."""
    if before == 0:
        return "" if now == 0 else "new"
    rel = (now - before) / abs(before)
    if not figure.scaled or slowdown is None:
        return f"{rel:+.1%}" + ("  WORSE" if _worse(rel, figure) else "")
    at_equal_speed = now / slowdown if figure.lower_is_better else now * slowdown
    corrected = (at_equal_speed - before) / abs(before)
    return f"{rel:+.1%} ({corrected:+.1%} at equal speed)" + ("  WORSE" if _worse(corrected, figure) else "")


def table(bench: str, params: dict[str, Any], figures: list[Figure], recorded: dict[str, Any],
          machine: float | None = None) -> list[str]:
    """The rows to print; `machine` is today's yardstick."""
    entry = recorded.get(_key(bench, params)) or {}
    before: dict[str, Any] = entry.get("figures", {})
    label = f"{entry.get('version', '?')} @ {entry.get('commit', '?')}" if entry else "none recorded"
    then = entry.get("machine")
    slowdown = machine / float(then) if machine and then else None
    rows = [("figure", "now", f"recorded ({label})", "change")]
    for f in figures:
        old = before.get(f.name)
        rows.append((f.name, f"{_fmt(f.value)} {f.unit}".strip(),
                     f"{_fmt(float(old))} {f.unit}".strip() if old is not None else "-",
                     _change(f.value, float(old), f, slowdown) if old is not None else ""))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = [f"  {r[0]:<{widths[0]}}  {r[1]:>{widths[1]}}  {r[2]:>{widths[2]}}  {r[3]}".rstrip() for r in rows]
    if slowdown is not None:
        pace = f"{slowdown:.2f}x as slow" if slowdown >= 1 else f"{1 / slowdown:.2f}x as fast"
        lines.insert(0, f"  (yardstick {machine:.3f} s, recorded {float(then):.3f} s: this machine runs Python "
                        f"{pace} as when recorded)")
    return lines


def show(bench: str, params: dict[str, Any], figures: list[Figure], *, record: bool,
         path: Path = RESULTS, machine: float | None = None) -> None:
    """Print the figures beside the recorded ones (and write them with `record`); `machine` is
    today's yardstick, measured here when not given."""
    recorded = load(path)
    machine = yardstick() if machine is None else machine
    print(f"{bench} {params or ''}".rstrip() + ":")
    for line in table(bench, params, figures, recorded, machine):
        print(line)
    if record:
        recorded[_key(bench, params)] = {
            "version": _version(), "commit": _commit(),
            "recorded": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "machine": round(machine, 6),
            "figures": {f.name: round(f.value, 6) for f in figures},
        }
        path.write_text(json.dumps(dict(sorted(recorded.items())), indent=2) + "\n")
        print(f"  recorded in {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
