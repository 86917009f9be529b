"""Settings of what the process serves and says: /metrics, /healthz and /readyz, and the logs.
Read by zonekeeper.server, zonekeeper.health and zonekeeper.logs (through the CLI and live.serve)."""

from __future__ import annotations

from dataclasses import dataclass

from zonekeeper.settings.flag import ALL_COMMANDS, RUN_ONLY, ConfigError, Flag

LOG_FORMATS = ("text", "json")


@dataclass(slots=True, frozen=True)
class ServingSettings:
    metrics_address: str = ":7979"  # "" turns the server off
    readiness_max_sync_age: float = 0.0  # 0: three --interval
    log_level: str = "info"
    log_format: str = "text"

    def validate(self) -> None:
        if self.metrics_address:
            from zonekeeper.server import parse_address

            try:
                parse_address(self.metrics_address)
            except ValueError as exc:
                raise ConfigError(str(exc)) from exc
        if self.readiness_max_sync_age < 0:
            raise ConfigError("--readiness-max-sync-age must not be negative")


FLAGS: tuple[Flag, ...] = (
    Flag("metrics-address", "metrics_address",
         "Serve /metrics, /healthz and /readyz here ('' = off; never with --once).", commands=RUN_ONLY),
    Flag("readiness-max-sync-age", "readiness_max_sync_age",
         "/readyz fails when the last successful DNS sync is older (0 = 3 x --interval).", kind="duration",
         show_default=False, commands=RUN_ONLY),
    Flag("log-level", "log_level", "debug, info, warning, error.", commands=ALL_COMMANDS),
    Flag("log-format", "log_format", "Log line format.", choices=LOG_FORMATS, commands=ALL_COMMANDS),
)
