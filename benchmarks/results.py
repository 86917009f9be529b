"""Benchmark figures side by side with the recorded ones, so that a regression shows in review.

Every benchmark ends with `results.show(name, params, figures)`: each figure is printed next to the
value in benchmarks/results.json for the same benchmark and parameters (the last release's, as
recorded with `--record`), with the change in per cent and a marker when it got worse by more
than the benchmark's own noise (`tolerance`). `--record` writes the figures just measured into the
file, with the version and commit they come from; commit that file when cutting a release.
Figures measured with other parameters are not compared (10,000 Services are not 1,000).
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
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


def take_record_flag(argv: list[str] | None = None) -> bool:
    """True if `--record` is among the arguments; it is removed so the benchmark's own parsing
    never sees it."""
    args = sys.argv if argv is None else argv
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


def _change(now: float, before: float, figure: Figure) -> str:
    if before == 0:
        return "" if now == 0 else "new"
    rel = (now - before) / abs(before)
    worse = rel > figure.tolerance if figure.lower_is_better else rel < -figure.tolerance
    return f"{rel:+.1%}" + ("  WORSE" if worse else "")


def table(bench: str, params: dict[str, Any], figures: list[Figure], recorded: dict[str, Any]) -> list[str]:
    entry = recorded.get(_key(bench, params)) or {}
    before: dict[str, Any] = entry.get("figures", {})
    label = f"{entry.get('version', '?')} @ {entry.get('commit', '?')}" if entry else "none recorded"
    rows = [("figure", "now", f"recorded ({label})", "change")]
    for f in figures:
        old = before.get(f.name)
        rows.append((f.name, f"{_fmt(f.value)} {f.unit}".strip(),
                     f"{_fmt(float(old))} {f.unit}".strip() if old is not None else "-",
                     _change(f.value, float(old), f) if old is not None else ""))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    return [f"  {r[0]:<{widths[0]}}  {r[1]:>{widths[1]}}  {r[2]:>{widths[2]}}  {r[3]}".rstrip() for r in rows]


def show(bench: str, params: dict[str, Any], figures: list[Figure], *, record: bool,
         path: Path = RESULTS) -> None:
    recorded = load(path)
    print(f"{bench} {params or ''}".rstrip() + ":")
    for line in table(bench, params, figures, recorded):
        print(line)
    if record:
        recorded[_key(bench, params)] = {
            "version": _version(), "commit": _commit(),
            "recorded": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "figures": {f.name: round(f.value, 6) for f in figures},
        }
        path.write_text(json.dumps(dict(sorted(recorded.items())), indent=2) + "\n")
        print(f"  recorded in {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
