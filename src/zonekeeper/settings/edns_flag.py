"""One row of external-dns's flag table (zonekeeper.settings.edns_flags, generated from its source)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

EdnsKind = Literal["bool", "string", "int", "duration", "enum", "repeatable"]


@dataclass(frozen=True, slots=True)
class EdnsFlag:
    name: str  # without the leading dashes: "google-project"
    kind: EdnsKind
    default: str | int | bool | tuple[str, ...]  # durations as Go prints them ("1m0s")
    group: str  # "provider google", "registry dynamodb", or external-dns's section ("main control loop")
    choices: tuple[str, ...] = ()  # the values of an enum (and of --source)

    @property
    def option(self) -> str:
        return f"--{self.name}"
