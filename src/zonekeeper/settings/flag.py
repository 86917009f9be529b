"""One row of a flag table, and the rules every flag shares (names, environment, values).

A flag is declared once, as data, in the settings module of the stage that reads it: its
external-dns spelling, the settings field it fills, how its text is read, and its help. The field's
default (in the group's dataclass) is the flag's default; `zonekeeper.cli` turns the rows into click
options and `zonekeeper.reference` into docs/flags.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

ENV_PREFIX = "ZONEKEEPER_"
# external-dns's own environment variables (kingpin's DefaultEnvars) are read too; ours win.
EDNS_ENV_PREFIX = "EXTERNAL_DNS_"

# How a flag's text becomes its value. "duration" takes Go durations (`1m30s`) or bare seconds.
Kind = Literal["str", "int", "float", "bool", "duration", "path"]

# The commands a flag belongs to. `records` only reaches zones and reads ownership; `run` also serves.
PLAN_RUN = ("plan", "run")
ALL_COMMANDS = ("plan", "run", "records")
RUN_ONLY = ("run",)


class ConfigError(ValueError):
    """A flag or combination of flags that cannot work; the CLI exits 64 with this message."""


@dataclass(frozen=True, slots=True)
class Flag:
    name: str  # as external-dns spells it, without the leading dashes: "txt-owner-id"
    field: str  # the settings field it fills; unique across all groups
    help: str
    kind: Kind = "str"
    repeatable: bool = False  # may be given several times; each value may also be comma-separated
    # False: a repeatable flag's values are kept whole, from the command line and the environment alike
    # (a Go template has spaces and commas of its own).
    split: bool = True
    choices: tuple[str, ...] = ()
    # Kept so rows stay valid: every boolean now has `--no-<name>` (and `=true`/`=false`), as in external-dns.
    negatable: bool = False
    show_default: bool = True
    commands: tuple[str, ...] = PLAN_RUN
    # Applied to the parsed value before it reaches the settings (e.g. `route53` → `aws`).
    convert: Callable[[Any], Any] | None = None

    @property
    def option(self) -> str:
        return f"--{self.name}"

    @property
    def env(self) -> str:
        return env_name(self.name)

    @property
    def envs(self) -> tuple[str, str]:
        return env_names(self.name)


def env_name(flag: str) -> str:
    """`--txt-owner-id` → `ZONEKEEPER_TXT_OWNER_ID`."""
    return ENV_PREFIX + flag.lstrip("-").replace("-", "_").upper()


def env_names(flag: str) -> tuple[str, str]:
    """The environment variables of a flag, the one that wins first: `ZONEKEEPER_X`, `EXTERNAL_DNS_X`."""
    return env_name(flag), EDNS_ENV_PREFIX + flag.lstrip("-").replace("-", "_").upper()


def parse_duration(text: str) -> float:
    """Seconds from a Go duration (`1m30s`, `500ms`) or a bare number of seconds."""
    from zonekeeper.annotations import parse_go_duration

    text = text.strip()
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    seconds = parse_go_duration(text)
    if seconds is None or seconds < 0:
        raise ValueError(f"invalid duration {text!r} (use e.g. 30s, 1m, 1h30m)")
    return float(seconds)


_UNITS = (("h", 3600.0), ("m", 60.0), ("s", 1.0), ("ms", 0.001))


def format_duration(seconds: float) -> str:
    """The shortest Go duration for a default: 3600 → `1h`, 0.2 → `200ms`, 0 → `0`."""
    if seconds == 0:
        return "0"
    for unit, size in _UNITS:
        count = seconds / size
        if count >= 1 and abs(count - round(count)) < 1e-9:
            return f"{round(count)}{unit}"
    return f"{seconds}s"


def split_list(values: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Repeatable flags also accept comma-separated values (handy in environment variables)."""
    out: list[str] = []
    for v in values:
        out.extend(p.strip() for p in re.split(r"[,\s]+", v) if p.strip())
    return tuple(out)


def upper(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(v.upper() for v in values)
