"""docs/migration.md is generated from the compatibility data (scripts/migration_guide.py), so it cannot
overclaim: the committed guide must be the generator's output, and the figures it prints must be the
counts of the data, read here independently of the generator."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from typing import Any

import pytest

from tests.compat.differences import DIFFERENCES
from zonekeeper.externaldns_metrics import EXPORTED, NOT_EXPORTED
from zonekeeper.settings import chart_compat, compat
from zonekeeper.settings.edns_flags import FLAGS

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "migration.md"


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("migration_guide", ROOT / "scripts/migration_guide.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _text() -> str:
    return " ".join(GUIDE.read_text().split())


def test_the_committed_guide_is_current() -> None:
    gen = _generator()
    assert gen.main(["migration_guide.py"]) == 0, "docs/migration.md is stale: run " \
                                                  "`uv run python scripts/migration_guide.py --write`"


def test_a_stale_block_is_found_and_rewritten() -> None:
    gen = _generator()
    committed = GUIDE.read_text()
    stale = committed.replace("**180** flags", "**179** flags")
    assert stale != committed
    assert gen.regenerate(stale) == committed


def test_every_block_must_be_there() -> None:
    gen = _generator()
    without = re.sub(r"<!-- generated:logs -->.*?<!-- /generated:logs -->", "", GUIDE.read_text(), flags=re.S)
    with pytest.raises(SystemExit, match="logs"):
        gen.regenerate(without)


def test_the_flag_figures_are_the_classification_s() -> None:
    refused = compat.refused()
    generic = [f for f in refused if "not supported yet" in compat.refusal(f)]
    text = _text()
    for phrase in (f"**{len(FLAGS)}** flags", f"**{len(compat.same())}** with the same meaning",
                   f"**{len(compat.mapped())}** mapped", f"**{len(refused)}** refused",
                   f"{len(refused) - len(generic)} of other providers, registries and sources, and "
                   f"{len(generic)} generic"):
        assert phrase in text, phrase
    assert len(compat.same()) + len(compat.mapped()) + len(refused) == len(FLAGS)


def test_the_values_figures_are_the_chart_classification_s() -> None:
    total, honoured, refused = len(chart_compat.value_keys()), len(chart_compat.honoured()), len(chart_compat.refused())
    assert honoured + refused == total
    assert f"| {total} | {honoured} | {refused} |" in GUIDE.read_text()
    webhook = sum(k.startswith("provider.webhook.") for k in chart_compat.value_keys())
    assert f"the {webhook} keys under `provider.webhook`" in _text()


def test_the_metric_figures_are_the_families_tables() -> None:
    text = _text()
    total = len(EXPORTED) + len(NOT_EXPORTED)
    assert f"**{total}** metric families, **{len(EXPORTED)}** are exported" in text
    assert f"The other **{len(NOT_EXPORTED)}** are not" in text
    assert all(f"`{name}`" in text for name in [*EXPORTED, *NOT_EXPORTED])


def test_the_differences_table_counts_the_compat_suite_s_records() -> None:
    rows = [line for line in GUIDE.read_text().splitlines() if line.startswith("| ")]
    for d in DIFFERENCES:
        row = next(r for r in rows if r.startswith(f"| {d.case} |"))
        takeover = row.split(" | ")[3]
        assert takeover.startswith(f"{len(d.records)} "), (d.case, takeover)
