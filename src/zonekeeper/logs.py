"""Logging: readable text by default, one JSON object per line with --log-format=json.

Every library logger (botocore, aiohttp, kubernetes) goes through the same formatter. Secrets never
reach a log line: settings are logged through `Settings.__repr__`, which leaves the AES key out.
"""

from __future__ import annotations

import logging
import sys

import structlog

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING, "warn": logging.WARNING,
           "error": logging.ERROR, "fatal": logging.CRITICAL, "panic": logging.CRITICAL, "trace": logging.DEBUG}


def level_of(name: str) -> int:
    try:
        return _LEVELS[name.lower()]
    except KeyError:
        raise ValueError(f"--log-level {name!r} is not one of {', '.join(sorted(_LEVELS))}") from None


def _shared() -> list[structlog.types.Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def _configure_structlog(*, cache: bool) -> None:
    # structlog loggers hand their key-values to the stdlib logger of the same name; the handler's
    # ProcessorFormatter renders them. Same processors whatever the format: the renderer lives in
    # the handler, so loggers cached before a later setup() stay correct.
    structlog.configure(
        processors=[*_shared(), structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=cache,
    )


if not structlog.is_configured():
    # Before (or without) setup(), e.g. in tests, key-value lines still go through stdlib logging
    # rather than structlog's default of printing to stdout.
    _configure_structlog(cache=False)


def setup(level: str = "info", fmt: str = "text", stream: object = None) -> None:
    if fmt not in ("text", "json"):
        raise ValueError(f"--log-format {fmt!r} must be text or json")
    shared = _shared()
    # JSON: one object per line, tracebacks included as a string field.
    renderers: list[structlog.types.Processor] = (
        [structlog.processors.format_exc_info, structlog.processors.JSONRenderer()] if fmt == "json"
        else [structlog.dev.ConsoleRenderer(colors=False)]
    )
    _configure_structlog(cache=True)
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *renderers],
    ))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level_of(level))
    # Library chatter stays at warning unless we debug.
    for noisy in ("botocore", "boto3", "urllib3", "aiohttp.access", "kubernetes"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if level == "debug" else logging.WARNING)


def get(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.get_logger(name)  # type: ignore[no-any-return]
