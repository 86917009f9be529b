"""kingpin's spellings of a boolean flag that click lacks: `--flag=true` and `--flag=false`.

external-dns (kingpin) takes `--flag`, `--no-flag` and `--flag=<bool>`; click takes the first two. The
command line is rewritten before click parses it, for the booleans of the command being parsed.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

# strconv.ParseBool, which kingpin uses.
_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})


def normalize_booleans(args: Sequence[str], booleans: Collection[str]) -> list[str]:
    """`--x=true` → `--x`, `--x=false` → `--no-x` for each `x` in `booleans` (names without dashes).
    Everything after `--`, and any other value, is left to click (which then reports it)."""
    out: list[str] = []
    for i, arg in enumerate(args):
        if arg == "--":
            return out + list(args[i:])
        name, eq, value = arg.partition("=")
        flag = name.removeprefix("--")
        if eq and name.startswith("--") and flag in booleans:
            if value in _TRUE:
                arg = name
            elif value in _FALSE:
                arg = f"--no-{flag}"
        out.append(arg)
    return out
