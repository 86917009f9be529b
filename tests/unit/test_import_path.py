"""The tests exercise this checkout's code, whichever environment runs them.

With a second checkout (a git worktree, a CI clone) and another checkout's virtualenv, the editable
install points at the other checkout's `src`; pytest's `pythonpath` must put this checkout's `src` first.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import zonekeeper
import zonekeeper.plan

CHECKOUT = Path(__file__).resolve().parents[2]


def test_zonekeeper_is_imported_from_this_checkout() -> None:
    assert zonekeeper.__file__ is not None
    assert Path(zonekeeper.__file__).resolve().parent == CHECKOUT / "src" / "zonekeeper"
    assert Path(zonekeeper.plan.__file__).resolve().is_relative_to(CHECKOUT / "src")


def test_subprocesses_import_this_checkout_too() -> None:
    found = subprocess.run([sys.executable, "-c", "import zonekeeper; print(zonekeeper.__file__)"],
                           capture_output=True, text=True, check=True, cwd="/").stdout.strip()
    assert Path(found).resolve().parent == CHECKOUT / "src" / "zonekeeper"
