"""Settings of the plan stage: what changes are allowed, which record types are ours, and the
deletion guard. Read by zonekeeper.plan and zonekeeper.guard (through wiring.build)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from zonekeeper.settings.flag import ALL_COMMANDS, ConfigError, Flag, upper

POLICIES = ("sync", "upsert-only", "create-only")


@dataclass(slots=True, frozen=True)
class PlanSettings:
    policy: str = "sync"
    managed_record_types: tuple[str, ...] = ("A", "AAAA", "CNAME")
    exclude_record_types: tuple[str, ...] = ()
    max_delete_fraction: float = 0.5
    max_delete_window: float = 3600.0

    def validate(self) -> None:
        if self.policy not in POLICIES:
            raise ConfigError(f"--policy {self.policy!r} is not one of {', '.join(POLICIES)}")
        if not 0.0 < self.max_delete_fraction <= 1.0:
            raise ConfigError("--max-delete-fraction must be in (0, 1]")
        if self.max_delete_window <= 0:
            raise ConfigError("--max-delete-window must be positive")
        for t in self.managed_record_types + self.exclude_record_types:
            if not re.fullmatch(r"[A-Z]+", t):
                raise ConfigError(f"record type {t!r} is not valid")


FLAGS: tuple[Flag, ...] = (
    Flag("policy", "policy", "What changes are allowed.", choices=POLICIES),
    Flag("managed-record-types", "managed_record_types", "Record types to manage (repeatable).", repeatable=True,
         commands=ALL_COMMANDS, convert=upper),
    Flag("exclude-record-types", "exclude_record_types", "Record types never to manage (repeatable).",
         repeatable=True, commands=ALL_COMMANDS, convert=upper),
    Flag("max-delete-fraction", "max_delete_fraction",
         "Hold a zone's deletions once they add up to more than this share of the records we own "
         "there within --max-delete-window (docs/troubleshooting.md#mass-deletion-guard).", kind="float"),
    Flag("max-delete-window", "max_delete_window",
         "The sliding window over which deletions add up for --max-delete-fraction.", kind="duration"),
)
