"""`zonekeeper` with a heap census on SIGUSR1: what the memory of a running controller is made of.

Run it as the CLI (`python benchmarks/census.py run ...`); on SIGUSR1 it writes, to the file named by
ZONEKEEPER_CENSUS_FILE, the objects alive by type: how many and their own bytes (sys.getsizeof, so a
container's contents are counted under their own types, never twice). Objects the cycle collector
does not track (strings, numbers, tuples of them, msgspec Structs with gc=False) are found by walking
the referents of those it does. bench_live.py --census uses it; not part of zonekeeper.
"""

from __future__ import annotations

import gc
import os
import signal
import sys
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def census(top: int = 30) -> str:
    gc.collect()
    counts: Counter[str] = Counter()
    sizes: Counter[str] = Counter()
    todo: list[Any] = gc.get_objects()
    seen: set[int] = {id(todo), id(counts), id(sizes)}
    seen.add(id(seen))  # the census's own bookkeeping is not counted (nor the ids in `seen`)
    texts: Counter[str] = Counter()  # every str by value: equal strings held as separate objects
    while todo:
        obj = todo.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        name = type(obj).__qualname__
        counts[name] += 1
        sizes[name] += sys.getsizeof(obj)
        if type(obj) is str:
            texts[obj] += 1
        todo.extend(r for r in gc.get_referents(obj) if id(r) not in seen)
    total = sum(sizes.values())
    lines = [f"{len(seen):,} objects, {total / 2**20:.1f} MB by sys.getsizeof ({gc.get_freeze_count():,} frozen)"]
    lines += [f"{sizes[name] / 2**20:9.1f} MB {counts[name]:>11,}  {name}" for name, _ in sizes.most_common(top)]
    return "\n".join(lines) + "\n" + _copies(texts)


def _copies(texts: Counter[str], top: int = 12) -> str:
    """The bytes that equal strings held as separate objects take beyond one copy each: what interning
    them would save (the biggest first)."""
    spare = Counter({text: (n - 1) * sys.getsizeof(text) for text, n in texts.items() if n > 1})
    lines = [f"str copies: {sum(spare.values()) / 2**20:.1f} MB beyond one copy of each value"]
    lines += [f"{size / 2**20:9.1f} MB {texts[text]:>11,}  {text[:70]!r}" for text, size in spare.most_common(top)]
    return "\n".join(lines) + "\n"


def _on_signal(_signum: int, _frame: FrameType | None) -> None:
    Path(os.environ["ZONEKEEPER_CENSUS_FILE"]).write_text(census())


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "src"))
    from zonekeeper.cli import main

    signal.signal(signal.SIGUSR1, _on_signal)
    main(sys.argv[1:], prog_name="zonekeeper")
