"""Logging: readable text by default, one JSON object per line with --log-format=json (with
external-dns's keys: `level`, `msg`, `time`, then the structured fields).

No credential ever reaches a log line, at any level, in either format. Three layers:

* what we log ourselves leaves secrets out (settings go through `Settings.__repr__`, which omits the
  AES key);
* library loggers (botocore, boto3, urllib3, aiohttp, kubernetes, asyncio, anything not under
  `zonekeeper`) are capped at warning whatever --log-level says: their debug output carries request
  headers (X-Amz-Security-Token, Authorization) and response bodies (STS credentials);
* every handler redacts: each secret zonekeeper holds is registered here (`register_secret`: AWS keys
  and session tokens, also those of an assumed role as they are issued, the TXT encryption key, the
  Kubernetes bearer token) and masked wherever it appears, verbatim or URL-/base64-encoded, and values
  that look like credentials (`Bearer …`, `X-Amz-Security-Token: …`, `<SecretAccessKey>…`) are masked
  even when unregistered.
"""

from __future__ import annotations

import base64
import logging
import os
import re
import sys
import threading
from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, quote_plus

import structlog

_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING, "warn": logging.WARNING,
           "error": logging.ERROR, "fatal": logging.CRITICAL, "panic": logging.CRITICAL, "trace": logging.DEBUG}


def level_of(name: str) -> int:
    try:
        return _LEVELS[name.lower()]
    except KeyError:
        raise ValueError(f"--log-level {name!r} is not one of {', '.join(sorted(_LEVELS))}") from None


REDACTED = "[REDACTED]"

# Shorter values are not masked: they would mask ordinary words (tests use "t" as a key), and no
# real credential is this short.
_MIN_SECRET = 8

# Environment variables whose values are credentials, read at setup().
SECRET_ENV = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
              "AWS_CONTAINER_AUTHORIZATION_TOKEN", "ZONEKEEPER_TXT_ENCRYPT_AES_KEY")
# ... and those naming a file that holds one (IRSA's web identity token, EKS Pod Identity's token).
SECRET_FILE_ENV = ("AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")

# Values that look like credentials, masked even when nobody registered them: where one of these
# (lower-cased) needles occurs, the value that follows it. Substring search plus an anchored match
# costs a few microseconds a line; one case-insensitive regex over the whole line costs 100 times more.
_KEY_VALUE = re.compile(r"""['"]?\s*[:=]\s*b?['"]?([^\s'",&<>}]+)""")
_XML_VALUE = re.compile(r"([^<]+)")
_BEARER_VALUE = re.compile(r"\s+([A-Za-z0-9._~+/=-]{16,})")
_CREDENTIAL_SCOPE = re.compile(r"([^/\s,]+)")
_SHAPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    *((key, _KEY_VALUE) for key in (
        "x-amz-security-token", "aws_secret_access_key", "aws_session_token", "aws_security_token",
        "secretaccesskey", "sessiontoken", "secret_key", "secretkey", "webidentitytoken", "access_token",
        "id_token", "refresh_token", "password")),
    *((tag, _XML_VALUE) for tag in ("<accesskeyid>", "<secretaccesskey>", "<sessiontoken>", "<webidentitytoken>")),
    ("bearer", _BEARER_VALUE),
    ("credential=", _CREDENTIAL_SCOPE),  # SigV4 Authorization: Credential=<access key id>/<scope>
)


def _mask_shapes(text: str) -> str:
    lowered = text.lower()
    if len(lowered) != len(text):  # a few non-ASCII characters change length when lower-cased
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    spans: list[tuple[int, int]] = []
    for needle, value in _SHAPES:
        at = lowered.find(needle)
        while at >= 0:
            match = value.match(text, at + len(needle))
            if match:
                spans.append(match.span(1))
            at = lowered.find(needle, at + 1)
    if not spans:
        return text
    merged: list[list[int]] = []
    for begin, finish in sorted(spans):
        if merged and begin <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], finish)
        else:
            merged.append([begin, finish])
    out, last = [], 0
    for begin, finish in merged:
        out += [text[last:begin], REDACTED]
        last = finish
    out.append(text[last:])
    return "".join(out)


class Redactor:
    """Masks registered secrets (and their URL- and base64-encoded forms) and credential-shaped values.

    Plain substring tests rather than one big regex: microseconds a line, not hundreds."""

    def __init__(self) -> None:
        self._values: tuple[str, ...] = ()
        self._lock = threading.Lock()

    def register(self, secret: str | bytes | None) -> None:
        if not secret:
            return
        text = secret.decode("utf-8", "surrogateescape") if isinstance(secret, bytes) else str(secret)
        if len(text) < _MIN_SECRET:
            return
        raw = text.encode("utf-8", "surrogateescape")
        forms = {text, quote(text, safe=""), quote_plus(text), base64.b64encode(raw).decode().rstrip("="),
                 base64.urlsafe_b64encode(raw).decode().rstrip("="), repr(text)[1:-1]}
        with self._lock:
            if forms <= set(self._values):
                return
            # Longest first, so that a value containing another is masked whole.
            self._values = tuple(sorted(set(self._values) | forms, key=len, reverse=True))

    def __call__(self, text: str) -> str:
        for value in self._values:
            if value in text:
                text = text.replace(value, REDACTED)
        return _mask_shapes(text)

    def clear(self) -> None:  # for tests
        with self._lock:
            self._values = ()


redact = Redactor()


def register_secret(*secrets: str | bytes | None) -> None:
    """Never log these values (nor their encoded forms) from now on."""
    for secret in secrets:
        redact.register(secret)


def register_credentials(credentials: Any) -> None:
    """botocore (frozen) credentials: access key id, secret key and session token."""
    if credentials is not None:
        register_secret(getattr(credentials, "access_key", None), getattr(credentials, "secret_key", None),
                        getattr(credentials, "token", None))


def _is_ours(name: str) -> bool:
    return name == "zonekeeper" or name.startswith("zonekeeper.")


class SecretFilter(logging.Filter):
    """On every handler: drops library records below warning and masks secrets in the record itself,
    for any formatter the handler may have (the formatter below also masks its whole output)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.WARNING and not _is_ours(record.name):
            return False
        if isinstance(record.msg, dict):  # a structlog event dict (wrap_for_formatter)
            record.msg = {k: redact(v) if isinstance(v, str) else v for k, v in record.msg.items()}
        else:
            try:
                record.msg = redact(record.getMessage())
                record.args = ()
            except Exception:  # a malformed logging call: the formatter reports it, masked too
                pass
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class _RedactingFormatter(structlog.stdlib.ProcessorFormatter):
    """The whole rendered line, traceback and reprs included, is masked last."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))

    def formatException(self, ei: Any) -> str:
        return redact(super().formatException(ei))


def _library_loggers(names: Iterable[str]) -> None:
    # Capped at the source too: botocore's debug output is costly to build even when dropped.
    for name in names:
        logging.getLogger(name).setLevel(logging.WARNING)


LIBRARY_LOGGERS = ("botocore", "boto3", "s3transfer", "urllib3", "aiohttp", "kubernetes", "asyncio", "yaml")


def _shared() -> list[structlog.types.Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


# logrus's level names (external-dns's JSON lines) where Python's differ.
LOGRUS_LEVELS = {"critical": "fatal", "exception": "error", "warn": "warning"}
LOGRUS_KEYS = ("level", "msg", "time")


def logrus_keys(_: Any, __: str, event_dict: structlog.types.EventDict) -> structlog.types.EventDict:
    """A JSON line as external-dns's logrus JSONFormatter writes it: `level`, `msg` and `time`
    (RFC 3339, to the second, UTC) first, then the structured fields; a field that would clash
    with one of those three is kept as `fields.<name>`, as logrus keeps it."""
    level = str(event_dict.pop("level", "info"))
    msg = event_dict.pop("event", "")
    stamp = str(event_dict.pop("timestamp", ""))
    for key in LOGRUS_KEYS:
        if key in event_dict:
            event_dict[f"fields.{key}"] = event_dict.pop(key)
    head: dict[str, Any] = {"level": LOGRUS_LEVELS.get(level, level), "msg": msg,
                            "time": stamp.split(".", 1)[0].removesuffix("Z") + "Z" if stamp else ""}
    head.update(event_dict)
    return head


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
    register_secret(*(os.environ.get(name) for name in SECRET_ENV))
    for name in SECRET_FILE_ENV:
        path = os.environ.get(name)
        if path:
            try:
                with open(path, encoding="utf-8", errors="surrogateescape") as f:
                    register_secret(f.read().strip())
            except OSError:
                pass  # botocore reports a missing token file itself
    shared = _shared()
    # JSON: one object per line, tracebacks included as a string field. Plain tracebacks only: a
    # pretty printer that shows frame locals would print credentials held in local variables.
    renderers: list[structlog.types.Processor] = (
        [structlog.processors.format_exc_info, logrus_keys, structlog.processors.JSONRenderer()] if fmt == "json"
        else [structlog.dev.ConsoleRenderer(colors=False, exception_formatter=structlog.dev.plain_traceback)]
    )
    _configure_structlog(cache=True)
    handler = logging.StreamHandler(stream or sys.stderr)  # type: ignore[arg-type]
    handler.setFormatter(_RedactingFormatter(
        foreign_pre_chain=shared,
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *renderers],
    ))
    handler.addFilter(SecretFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level_of(level))
    # Library loggers stay at warning even with --log-level debug: their debug lines carry credentials.
    _library_loggers(LIBRARY_LOGGERS)


def get(name: str) -> structlog.stdlib.BoundLogger:
    return structlog.get_logger(name)  # type: ignore[no-any-return]
