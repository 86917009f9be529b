"""Regenerate the marked blocks of docs/migration.md from the data the code and the tests own.

The guide must not claim more than zonekeeper does, so its figures and lists are not written by hand:
each block between `<!-- generated:NAME -->` and `<!-- /generated:NAME -->` is rendered from

- flags:       the external-dns flag table and its classification (zonekeeper.settings.compat);
- values:      the external-dns chart's values keys and their classification (zonekeeper.settings.chart_compat);
- metrics:     external-dns's metric families, exported or not (zonekeeper.externaldns_metrics);
- logs:        the JSON log keys and level names (zonekeeper.logs) and the Events' reasons (zonekeeper.kube.eventtext);
- differences: the intended record differences the compat suite holds exact (tests/compat/differences.py).

    uv run python scripts/migration_guide.py           # check: exit 1 with a diff when the guide is stale
    uv run python scripts/migration_guide.py --write   # rewrite the blocks

Rerun it with --write after a change to any of those (a new flag, a key honoured, a family exported);
tests/unit/test_migration_guide.py fails until the committed guide is current.
"""

from __future__ import annotations

import difflib
import re
import sys
import textwrap
from collections.abc import Callable, Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]  # zonekeeper, and tests.compat.differences

import yaml  # noqa: E402

from tests.compat.differences import DIFFERENCES, Difference  # noqa: E402
from zonekeeper import logs  # noqa: E402
from zonekeeper.externaldns_metrics import EXPORTED, NOT_EXPORTED, RUNTIME_NOT_EXPORTED  # noqa: E402
from zonekeeper.kube import eventtext  # noqa: E402
from zonekeeper.settings import chart_compat, compat  # noqa: E402
from zonekeeper.settings.edns_flags import FLAGS, VERSION  # noqa: E402

GUIDE = ROOT / "docs" / "migration.md"
OUR_VALUES = ROOT / "deploy" / "helm" / "zonekeeper" / "values.yaml"
WIDTH = 110
BLOCK = re.compile(r"^(?P<indent>[ \t]*)<!-- generated:(?P<name>[\w-]+) -->\n(?P<body>.*?)"
                   r"^(?P=indent)<!-- /generated:(?P=name) -->$", re.S | re.M)


def _code(names: Iterable[str]) -> str:
    return ", ".join(f"`{n}`" for n in names)


def _paragraph(text: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, break_on_hyphens=False, break_long_words=False)


def _anchor(heading: str) -> str:
    """GitHub's anchor of a heading."""
    return re.sub(r"[^a-z0-9 -]", "", heading.lower()).replace(" ", "-")


def generic_refusals() -> list[str]:
    """The refused flags that belong to no other provider, registry or source: not built yet."""
    return [f.option for f in compat.refused() if "not supported yet" in compat.refusal(f)]


def render_flags() -> list[str]:
    same, mapped, refused = compat.same(), compat.mapped(), compat.refused()
    generic = generic_refusals()
    anchor = _anchor(f"external-dns {VERSION} flags")
    return _paragraph(
        f"Every one of external-dns {VERSION}'s **{len(FLAGS)}** flags is accepted by the parser (none ends in "
        f"\"No such option\"; [flags.md](flags.md#{anchor}) lists each): **{len(same)}** with the same meaning, "
        f"**{len(mapped)}** mapped to what zonekeeper does instead ({_code(f.option for f in mapped)}; each logs one "
        f"line at start-up saying how), and **{len(refused)}** refused with a message naming the flag and what is "
        f"not supported (exit 64): {len(refused) - len(generic)} of other providers, registries and sources, and "
        f"{len(generic)} generic ones not built yet{f' ({_code(generic)})' if generic else ''}. Booleans take "
        "`--no-<flag>` and "
        "`--<flag>=true|false`, and `EXTERNAL_DNS_<FLAG>` variables are read (`ZONEKEEPER_<FLAG>` wins).")


def our_additions() -> list[str]:
    """Keys of our chart's values that the external-dns chart has not got."""
    ours = chart_compat.leaves(yaml.safe_load(OUR_VALUES.read_text()))
    return sorted(set(ours) - set(chart_compat.value_keys()))


def render_values() -> list[str]:
    keys, honoured, refused = chart_compat.value_keys(), chart_compat.honoured(), chart_compat.refused()
    webhook = [k for k in refused if k.startswith(chart_compat.WEBHOOK_PREFIX)]
    named = [f"`{key}` ({why})" for key, why in chart_compat.REFUSED.items()]
    lines = [
        f"| values keys of the external-dns chart {chart_compat.CHART_VERSION} (leaves of its values.yaml) "
        "| honoured the same way | refused with a message |",
        "|---|---|---|",
        f"| {len(keys)} | {len(honoured)} | {len(refused)} |",
        "",
    ]
    lines += _paragraph(
        f"Refused: {', '.join(named)}, and the {len(webhook)} keys under `{chart_compat.WEBHOOK_PREFIX.rstrip('.')}` "
        f"when they differ from their defaults ({chart_compat.WEBHOOK}).")
    lines += ["", "Defaults that differ from the external-dns chart's:", "", "| key | why |", "|---|---|"]
    lines += [f"| `{key}` | {why} |" for key, why in chart_compat.DEFAULT_DIFFERENCES.items()]
    own = _code(our_additions())
    lines += ["", *_paragraph(f"zonekeeper's own keys, which the external-dns chart has not got: {own}.")]
    return lines


def render_metrics() -> list[str]:
    total = len(EXPORTED) + len(NOT_EXPORTED)
    lines = _paragraph(
        f"Of external-dns {VERSION}'s **{total}** metric families, **{len(EXPORTED)}** are exported under their own "
        "names, with external-dns's type, labels and meaning, beside zonekeeper's own `zonekeeper_*` families "
        f"([metrics.md](metrics.md) says what feeds each): {_code(EXPORTED)}. The other **{len(NOT_EXPORTED)}** are "
        "not, and why:")
    lines += ["", "| family | why not |", "|---|---|"]
    lines += [f"| `{name}` | {why} |" for name, why in NOT_EXPORTED.items()]
    lines += ["", "Runtime families of external-dns's Go process that zonekeeper has not got (it exports `process_*` "
                  "and Python's):", "", "| family | why not |", "|---|---|"]
    lines += [f"| `{name}` | {why} |" for name, why in RUNTIME_NOT_EXPORTED.items()]
    return lines


def render_logs() -> list[str]:
    levels = ", ".join(f"`{theirs}` for Python's `{ours}`" for ours, theirs in sorted(logs.LOGRUS_LEVELS.items()))
    ours = [*eventtext.ACTION_REASONS.values(), eventtext.CHANGE_REJECTED]
    return [
        "| | external-dns | zonekeeper |",
        "|---|---|---|",
        f"| `--log-format=json` | {_code(logs.LOGRUS_KEYS)} (RFC 3339, to the second), then the fields | the same "
        "keys first, then zonekeeper's structured fields (one named like them is kept as `fields.<name>`) |",
        f"| level names | logrus's | logrus's ({levels}) |",
        f"| Events, with `--events-emit` | {_code(eventtext.EVENTS_EMIT_CHOICES)} | the same reasons, for the types "
        "given |",
        f"| Events, without it | none | {_code(ours)}, and each refused object's problem (its reason) |",
    ]


def _difference_row(d: Difference) -> str:
    n = len(d.records)
    going_back = len(d.keys) if d.going_back != "kept" else 0
    return (f"| {d.case} | {d.external_dns} | {d.zonekeeper} | {d.takeover.format(n=n)} "
            f"| {d.back.format(n=going_back)} |")


def render_differences() -> list[str]:
    return [
        f"| Case | external-dns {VERSION} | zonekeeper | Taking over (zonekeeper on external-dns's zone) "
        "| Going back (external-dns on zonekeeper's zone) |",
        "|---|---|---|---|---|",
        *(_difference_row(d) for d in DIFFERENCES),
    ]


BLOCKS: dict[str, Callable[[], list[str]]] = {
    "flags": render_flags,
    "values": render_values,
    "metrics": render_metrics,
    "logs": render_logs,
    "differences": render_differences,
}


def regenerate(text: str) -> str:
    """`text` with every generated block rendered anew; each block must be there exactly once."""
    found = [m.group("name") for m in BLOCK.finditer(text)]
    if sorted(found) != sorted(BLOCKS):
        raise SystemExit(f"{GUIDE.relative_to(ROOT)} must hold each generated block once: "
                         f"expected {sorted(BLOCKS)}, found {sorted(found)}")

    def body(match: re.Match[str]) -> str:
        indent, name = match.group("indent"), match.group("name")
        lines = [f"{indent}{line}" if line else "" for line in BLOCKS[name]()]
        return f"{indent}<!-- generated:{name} -->\n" + "".join(f"{line}\n" for line in lines) + \
            f"{indent}<!-- /generated:{name} -->"

    return BLOCK.sub(body, text)


def main(argv: list[str]) -> int:
    write = "--write" in argv[1:]
    committed = GUIDE.read_text()
    current = regenerate(committed)
    if write:
        if current != committed:
            GUIDE.write_text(current)
        print(f"wrote {GUIDE.relative_to(ROOT)}")
        return 0
    if current == committed:
        return 0
    sys.stdout.writelines(difflib.unified_diff(committed.splitlines(keepends=True), current.splitlines(keepends=True),
                                               "docs/migration.md (committed)", "docs/migration.md (generated)"))
    print("docs/migration.md is stale: run `uv run python scripts/migration_guide.py --write`", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
