"""The log redactor and the library cap, on plain log records (the CLI-level proof is
tests/integration/test_secrets_in_logs.py)."""

from __future__ import annotations

import base64
import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from zonekeeper import logs

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"


@pytest.fixture
def stream() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    library = {name: logging.getLogger(name).level for name in logs.LIBRARY_LOGGERS}
    out = io.StringIO()
    yield out
    root.handlers[:], root.level = saved
    for name, level in library.items():
        logging.getLogger(name).setLevel(level)
    logs.redact.clear()
    logs._configure_structlog(cache=False)


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_a_registered_secret_is_masked_everywhere(stream: io.StringIO, fmt: str) -> None:
    logs.setup("debug", fmt, stream=stream)
    logs.register_secret(SECRET)
    log = logs.get("zonekeeper.test")
    log.info("event value", key=SECRET, url=f"https://x/?t={quote(SECRET, safe='')}")
    log.info(f"in the event itself {SECRET}")
    logging.getLogger("zonekeeper.plain").warning("percent args %s and %r", SECRET, {"nested": [SECRET]})
    logging.getLogger("zonekeeper.plain").info("base64 %s", base64.b64encode(SECRET.encode()).decode())
    try:
        raise RuntimeError(f"boom {SECRET}")
    except RuntimeError:
        log.exception("structlog traceback")
        logging.getLogger("zonekeeper.plain").exception("stdlib traceback")
    out = stream.getvalue()
    assert out.count(logs.REDACTED) >= 8, out
    assert SECRET not in out and quote(SECRET, safe="") not in out
    assert base64.b64encode(SECRET.encode()).decode().rstrip("=") not in out
    assert "RuntimeError" in out and "structlog traceback" in out and "stdlib traceback" in out
    if fmt == "json":
        assert all(json.loads(line) for line in out.splitlines() if line.startswith("{"))


@pytest.mark.parametrize("line", [
    "headers: {'X-Amz-Security-Token': 'FQoGZXIvYXdzEJr//////////wEaDM', 'Accept': '*/*'}",
    "X-Amz-Security-Token: FQoGZXIvYXdzEJr",
    "Authorization: Bearer eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJzdWIiOiJ4In0.c2ln",
    "body b'<Credentials><AccessKeyId>ASIAEXAMPLE1234</AccessKeyId><SecretAccessKey>abcd/efgh+ijkl</SecretAccessKey>"
    "<SessionToken>FQoGZXIvYXdz</SessionToken></Credentials>'",
    "Action=AssumeRoleWithWebIdentity&WebIdentityToken=eyJhbGciOiJSUzI1NiJ9.e30.c2ln&Version=2011-06-15",
    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261201/us-east-1/route53/aws4_request",
    "{'aws_secret_access_key': 'abcdEFGH1234/+xyz', 'aws_session_token': 'tokentoken'}",
])
def test_credential_shaped_values_are_masked_unregistered(line: str) -> None:
    masked = logs.redact(line)
    for secret in ("FQoGZXIvYXdz", "eyJhbGciOiJ", "ASIAEXAMPLE1234", "abcd/efgh", "AKIAIOSFODNN7EXAMPLE",
                   "abcdEFGH1234", "tokentoken"):
        assert secret not in masked, masked
    assert logs.REDACTED in masked


def test_ordinary_text_is_left_alone() -> None:
    line = "changed action=create name=web.example.com targets=['203.0.113.10'] owner=c1 token bucket refilled"
    assert logs.redact(line) == line
    logs.register_secret("t", "short")  # too short to be a credential: masking them would mangle every line
    try:
        assert logs.redact(line) == line
    finally:
        logs.redact.clear()


def test_library_loggers_are_capped_at_warning_even_in_debug(stream: io.StringIO) -> None:
    logs.setup("debug", "text", stream=stream)
    for name in ("botocore.endpoint", "urllib3.connectionpool", "aiohttp.client", "kubernetes.aio.rest",
                 "asyncio", "some.other.library"):
        logging.getLogger(name).debug("library debug %s", name)
        logging.getLogger(name).info("library info %s", name)
        logging.getLogger(name).warning("library warning %s", name)
    logs.get("zonekeeper.provider").debug("our debug")
    out = stream.getvalue()
    assert "library debug" not in out and "library info" not in out
    assert out.count("library warning") == 6
    assert "our debug" in out


def test_the_filter_masks_records_for_any_formatter() -> None:
    # A handler with a plain formatter (a library's or a test's) still gets masked records.
    logs.register_secret(SECRET)
    try:
        record = logging.LogRecord("zonekeeper.x", logging.ERROR, __file__, 1, "key %s", (SECRET,), None)
        assert logs.SecretFilter().filter(record)
        assert logging.Formatter().format(record) == f"key {logs.REDACTED}"
        dropped = logging.LogRecord("botocore.endpoint", logging.DEBUG, __file__, 1, "x", (), None)
        assert not logs.SecretFilter().filter(dropped)
    finally:
        logs.redact.clear()


async def test_a_rotated_kube_token_is_registered_when_it_is_loaded() -> None:
    from kubernetes.aio.client import Configuration

    from zonekeeper.kube.client import _register_secrets

    first, rotated = "eyJhbGciOiJSUzI1NiJ9.first-token-value", "eyJhbGciOiJSUzI1NiJ9.rotated-token-value"
    configuration = Configuration()
    configuration.api_key = {"BearerToken": first}
    configuration.api_key_prefix = {"BearerToken": "Bearer"}

    def reread(conf: Configuration) -> None:  # what in-cluster config does when the file changed
        conf.api_key["BearerToken"] = rotated

    configuration.refresh_api_key_hook = reread
    try:
        _register_secrets(configuration)
        assert logs.redact(f"token {first}") == f"token {logs.REDACTED}"
        assert rotated in logs.redact(f"token {rotated}")  # not known yet
        assert await configuration.get_api_key_with_prefix("BearerToken") == f"Bearer {rotated}"
        assert logs.redact(f"token {rotated}") == f"token {logs.REDACTED}"
    finally:
        logs.redact.clear()


def test_token_files_named_in_the_environment_are_registered(stream: io.StringIO, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    token = "eyJhbGciOiJSUzI1NiIsImtpZCI6ImlycnNhIn0.web-identity-token"
    (tmp_path / "token").write_text(token + "\n")
    monkeypatch.setenv("AWS_WEB_IDENTITY_TOKEN_FILE", str(tmp_path / "token"))
    monkeypatch.setenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", str(tmp_path / "missing"))
    logs.setup("debug", "text", stream=stream)
    logs.get("zonekeeper.test").info("read", value=token)
    assert token not in stream.getvalue() and logs.REDACTED in stream.getvalue()


def test_json_lines_carry_logrus_keys_level_msg_time(stream: io.StringIO) -> None:
    """external-dns's --log-format=json (logrus's JSONFormatter): `level`, `msg`, `time` (RFC 3339 to
    the second), logrus's level names; our structured fields beside them, a clashing one prefixed
    with `fields.` as logrus does."""
    import re

    logs.setup("debug", "json", stream=stream)
    log = logs.get("zonekeeper.test")
    log.info("changed", zone="example.com", ttl=300)
    log.warning("change refused", msg="shadowed", time="t")
    log.critical("giving up")
    logging.getLogger("zonekeeper.plain").error("stdlib %s", "line")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert [(line["level"], line["msg"]) for line in lines] == [
        ("info", "changed"), ("warning", "change refused"), ("fatal", "giving up"), ("error", "stdlib line")]
    for line in lines:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", line["time"]), line
        assert "event" not in line and "timestamp" not in line
    assert lines[0]["zone"] == "example.com" and lines[0]["ttl"] == 300 and lines[0]["logger"] == "zonekeeper.test"
    assert (lines[1]["fields.msg"], lines[1]["fields.time"]) == ("shadowed", "t")


def test_text_lines_keep_their_layout(stream: io.StringIO) -> None:
    logs.setup("info", "text", stream=stream)
    logs.get("zonekeeper.test").info("changed", zone="example.com")
    line = stream.getvalue()
    assert "changed" in line and "zone=example.com" in line and not line.startswith("{")
