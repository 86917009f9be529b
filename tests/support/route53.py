"""A strict Route 53 endpoint for tests and demos: moto in server mode plus the rules moto gets wrong.

moto (components.md section 1) speaks Route 53's wire protocol well but checks CREATE/DELETE against a
journal instead of the records, applies batches part-way, accepts CNAME conflicts and bad rdata,
deletes every rrset sharing a SetIdentifier, and cannot page through SetIdentifier records.
This module runs moto's WSGI app in a thread behind a middleware that:

* answers ChangeResourceRecordSets itself: the batch is validated by ``route53_rules.check_batch``
  against the zone's current records (applied in order on a scratch overlay, atomic, all messages
  returned together as Route 53 does) and then written into moto's ``FakeZone`` in-process, so
  every other moto operation (GetHostedZone counts, DeleteHostedZone, tags) sees the same records;
* answers ListResourceRecordSets, ListHostedZones and ListHostedZonesByName itself, with Route 53's
  ordering, page caps and Next* tokens (including NextRecordIdentifier);
* fixes a few smaller gaps (CallerReference reuse, DeleteHostedZone of a zone with records,
  ListTagsForResource of an unknown zone, per-change ChangeInfo ids with PENDING -> INSYNC);
* serves several AWS accounts as moto does: a request is in the account moto derives from it (the
  ``x-moto-account-id`` header, else the account moto's IAM/STS issued its access key in -- an
  assumed role's credentials are in the role's account --, else ``account_id``); ``deny_access_key``
  answers a key's requests ``InvalidClientTokenId`` (bad credentials);
* counts requests per operation (names from botocore's model) and per (access key id, operation), so
  tests with several clients (HA replicas, clusters sharing an account) can tell who sent what and who
  was throttled; records every change batch (with its access key id, account and arrival time), and
  can delay answers (``inject_delay``), and can
  throttle (token bucket, ``Throttling``/``Rate exceeded``) or inject errors such as
  ``PriorRequestNotComplete`` -- both retried by botocore's standard retry mode.

Requests made through ``create_zone``/``records``/``client(counted=False)`` carry a harness header and
are neither counted, throttled, recorded nor hit by injected errors.

Run standalone (README demo): ``python -m tests.support.route53 --port 0`` prints the endpoint URL
on the first line of stdout and serves until SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import bisect
import collections
import copy
import datetime as dt
import io
import math
import os
import secrets
import signal
import string
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, cast
from urllib.parse import parse_qs, unquote

import boto3
from botocore.config import Config
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.iam.models import get_account_id_from
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from moto.route53.models import FakeZone, RecordSet, Route53Backend, route53_backends
from werkzeug.serving import make_server

from .route53_rules import (
    Key,
    Record,
    RequestRejected,
    ZoneRecords,
    canonical_name,
    check_batch,
    safe_canonical_name,
    sort_key,
)
from .route53_xml import match_operation, new_request_id, parse_request, render_error, render_response

__all__ = ["HARNESS_HEADER", "StrictRoute53Server", "iter_all_records", "main"]

HARNESS_HEADER = "x-zonekeeper-harness"
_HARNESS_ENVIRON = "HTTP_" + HARNESS_HEADER.upper().replace("-", "_")
_ACCOUNT_HEADER = "x-moto-account-id"
_ACCOUNT_ENVIRON = "HTTP_" + _ACCOUNT_HEADER.upper().replace("-", "_")
MAX_RRSETS_PER_PAGE = 300
MAX_ZONES_PER_PAGE = 100
PRIOR_REQUEST_NOT_COMPLETE = ("The request was rejected because Route 53 was still processing a prior request.")
_CHANGE_ID_CHARS = string.ascii_uppercase + string.digits
_Wsgi = Callable[..., Iterable[bytes]]


class _QuietHandler(MotoRequestHandler):
    """No werkzeug access log per request (tests make tens of thousands)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class _TokenBucket:
    def __init__(self, rate: float, burst: int) -> None:
        self.rate = rate
        self.capacity = float(burst)
        self.tokens = float(burst)
        self.stamp = time.monotonic()
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.tokens >= 1.0:
                self.tokens -= 1.0
                return True
            return False


@dataclass
class _Injection:
    operation: str
    code: str
    message: str
    status: int
    remaining: int


@dataclass
class _Delay:
    operation: str
    seconds: float
    remaining: int


@dataclass
class _ZoneState:
    """Our view of a moto FakeZone: the records (indexed) and the moto RecordSets mirroring them."""

    records: ZoneRecords
    mirror: dict[Key, RecordSet]
    rrsets_list: list[RecordSet]
    sorted_cache: tuple[list[tuple[str, str, str]], list[Record]] | None = None
    meta: dict[str, Any] = field(default_factory=dict)


def _moto_recordset(rec: Record) -> RecordSet:
    kwargs = {k: v for k, v in rec.items() if k != "ResourceRecords"}
    kwargs["ResourceRecords"] = [rr["Value"] for rr in rec.get("ResourceRecords") or ()]
    return RecordSet(kwargs)  # type: ignore[abstract]


def _import_recordset(rs: RecordSet, zone: FakeZone) -> Record:
    """A moto RecordSet (created by moto: NS/SOA at zone creation, or CloudFormation) as our Record."""
    rec: Record = {"Name": safe_canonical_name(rs.name), "Type": rs.type}
    for attr, key in (("set_identifier", "SetIdentifier"), ("weight", "Weight"), ("region", "Region"),
                      ("geo_location", "GeoLocation"), ("failover", "Failover"),
                      ("multi_value_answer", "MultiValueAnswer"), ("health_check_id", "HealthCheckId"),
                      ("alias_target", "AliasTarget")):
        value = getattr(rs, attr, None)
        if value is not None:
            rec[key] = value
    if rs.ttl is not None:
        rec["TTL"] = int(rs.ttl)
    values = [v["Value"] if isinstance(v, dict) else str(v) for v in rs.records or ()]
    apex = rec["Name"] == safe_canonical_name(zone.name)
    if apex and rs.type == "NS":
        values = [v if v.endswith(".") else v + "." for v in values]
    if apex and rs.type == "SOA" and values:
        # moto writes "<ns>. hostmaster.example.com. ..." (and wraps it in a dict); Route 53's SOA:
        primary = values[0].split()[0]
        values = [f"{primary} awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400"]
    if values:
        rec["ResourceRecords"] = [{"Value": v} for v in values]
    return rec


def _access_key_id(environ: dict[str, Any]) -> str:
    """The access key id a SigV4 request was signed with (``Credential=<id>/<date>/...``), "" if unsigned."""
    auth = str(environ.get("HTTP_AUTHORIZATION", ""))
    _, found, rest = auth.partition("Credential=")
    return rest.split("/", 1)[0] if found else ""


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _query(environ: dict[str, Any]) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True).items()}


def _max_items(raw: str | None, default: int, cap: int) -> int:
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise RequestRejected("InvalidInput", f"Invalid value for MaxItems: {raw}") from None
    if value < 1:
        raise RequestRejected("InvalidInput", f"Invalid value for MaxItems: {raw}")
    return min(value, cap)


class StrictRoute53Server:
    """moto's Route 53 on 127.0.0.1 behind Route 53's own rules. Thread-safe; use as a context manager."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0, *, account_id: str = DEFAULT_ACCOUNT_ID) -> None:
        self.account_id = account_id
        self.counts: collections.Counter[str] = collections.Counter()
        #: requests per (access key id of the SigV4 signature, operation); "" when unsigned
        self.counts_by_key: collections.Counter[tuple[str, str]] = collections.Counter()
        #: every ChangeResourceRecordSets request received (harness ones excepted), in order:
        #: {"HostedZoneId", "Comment", "Changes" (boto3-style dicts; None if the XML was malformed),
        #:  "Status": accepted|rejected|throttled|injected, "Error": None | {"Code", "Message", "Messages"},
        #:  "AccessKeyId": the signer's key id, "ReceivedAt": time.monotonic() on arrival}
        self.change_batches: list[dict[str, Any]] = []
        #: every error the strict layer answered: {"Operation", "Code", "Message", "Messages", "Status"}
        self.errors: list[dict[str, Any]] = []
        #: GetChange answers PENDING this many times per change before INSYNC (ChangeResourceRecordSets
        #: itself always answers PENDING, like Route 53)
        self.change_insync_after = 0
        self.throttled = 0
        #: access key ids whose requests are answered InvalidClientTokenId (403)
        self.denied_keys: set[str] = set()
        self._request = threading.local()  # .account: the account of the request this thread serves
        #: Throttling answers per access key id (several clusters sharing one account's budget)
        self.throttled_by_key: collections.Counter[str] = collections.Counter()
        self._lock = threading.RLock()
        self._bucket: _TokenBucket | None = None
        self._injections: list[_Injection] = []
        self._delays: list[_Delay] = []
        self._caller_references: set[str] = set()
        self._changes: dict[str, dict[str, Any]] = {}
        self._moto_app = DomainDispatcherApplication(create_backend_app)
        self._handlers: dict[str, Callable[..., Any]] = {
            "ChangeResourceRecordSets": self._change_resource_record_sets,
            "ListResourceRecordSets": self._list_resource_record_sets,
            "ListHostedZones": self._list_hosted_zones,
            "ListHostedZonesByName": self._list_hosted_zones_by_name,
            "GetChange": self._get_change,
            "CreateHostedZone": self._create_hosted_zone,
            "DeleteHostedZone": self._delete_hosted_zone,
            "ListTagsForResource": self._list_tags_for_resource,
        }
        self._server = make_server(host, port, self._wsgi, threaded=True, request_handler=_QuietHandler)
        self.host, self.port = self._server.server_address[:2]
        self.endpoint = f"http://{host}:{self.port}"
        self._thread: threading.Thread | None = None
        self._harness_client: Any = None
        self._session: boto3.session.Session | None = None

    # ------------------------------------------------------------------------------------ lifecycle

    def start(self) -> StrictRoute53Server:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                name=f"strict-route53-{self.port}", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> StrictRoute53Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------------------------ test API

    def client(self, *, config: Config | None = None, counted: bool = True, account_id: str | None = None,
               **kwargs: Any) -> Any:
        """A boto3 Route 53 client for this endpoint (dummy credentials, us-east-1).

        ``counted=False`` marks its requests as harness requests (not counted, throttled or recorded);
        ``account_id`` sends them to that account (moto's ``x-moto-account-id``).
        """
        with self._lock:
            if self._session is None:
                # One session for all clients: botocore caches the loaded models per session.
                self._session = boto3.session.Session(
                    aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
            client = self._session.client("route53", endpoint_url=self.endpoint, config=config, **kwargs)
        if not counted or account_id is not None:
            def mark(request: Any, **_: Any) -> None:
                if not counted:
                    request.headers[HARNESS_HEADER] = "1"
                if account_id is not None:
                    request.headers[_ACCOUNT_HEADER] = account_id
            client.meta.events.register("before-send.route53", mark)
        return client

    @property
    def harness(self) -> Any:
        if self._harness_client is None:
            self._harness_client = self.client(counted=False)
        return self._harness_client

    def deny_access_key(self, key_id: str) -> None:
        """Answer every request signed with ``key_id`` as Route 53 answers unknown credentials."""
        with self._lock:
            self.denied_keys.add(key_id)

    def create_zone(self, name: str, private: bool = False, vpc: str | dict[str, str] | None = None,
                    tags: dict[str, str] | None = None, comment: str | None = None,
                    account_id: str | None = None) -> str:
        """Create a hosted zone (not counted), in ``account_id`` (default: the server's account); returns
        its bare id (no ``/hostedzone/`` prefix)."""
        harness = self.harness if account_id is None else self.client(counted=False, account_id=account_id)
        kwargs: dict[str, Any] = {"Name": name, "CallerReference": str(uuid.uuid4())}
        config: dict[str, Any] = {}
        if comment is not None:
            config["Comment"] = comment
        if private or vpc is not None:
            config["PrivateZone"] = True
            if isinstance(vpc, dict):
                kwargs["VPC"] = vpc
            else:
                kwargs["VPC"] = {"VPCRegion": "us-east-1", "VPCId": vpc or "vpc-0a1b2c3d4e5f60718"}
        if config:
            kwargs["HostedZoneConfig"] = config
        zone_id = str(harness.create_hosted_zone(**kwargs)["HostedZone"]["Id"]).split("/")[-1]
        if tags:
            harness.change_tags_for_resource(
                ResourceType="hostedzone", ResourceId=zone_id,
                AddTags=[{"Key": k, "Value": v} for k, v in tags.items()])
        return zone_id

    def records(self, zone_id: str, account_id: str | None = None) -> list[Record]:
        """The zone's records in Route 53's list order, read in-process (not counted)."""
        with self._lock:
            self._request.account = account_id
            try:
                state = self._state(self._zone(zone_id))
                return copy.deepcopy(self._sorted(state)[1])
            finally:
                self._request.account = None

    def reset_counts(self) -> None:
        with self._lock:
            self.counts.clear()
            self.counts_by_key.clear()
            self.throttled = 0
            self.throttled_by_key.clear()

    def reset(self) -> None:
        """Wipe all moto state (like POST /moto-api/reset) and everything this layer recorded or was set to."""
        from moto.moto_api._internal.models import moto_api_backend

        with self._lock:
            moto_api_backend.reset()
            self.reset_counts()
            self.change_batches.clear()
            self.errors.clear()
            self._injections.clear()
            self._delays.clear()
            self._bucket = None
            self._caller_references.clear()
            self._changes.clear()
            self.change_insync_after = 0

    def set_rate_limit(self, rps: float | None, burst: int | None = None) -> None:
        """Token bucket over all Route 53 requests (None: off). ``burst`` defaults to ceil(rps)."""
        with self._lock:
            if rps is None:
                self._bucket = None
            else:
                self._bucket = _TokenBucket(rps, burst if burst is not None else max(1, math.ceil(rps)))

    def inject_error(self, operation: str, code: str, message: str, status: int = 400, times: int = 1) -> None:
        """Answer the next ``times`` calls of ``operation`` with this error instead of serving them."""
        with self._lock:
            self._injections.append(_Injection(operation, code, message, status, times))

    def inject_delay(self, operation: str, seconds: float, times: int = 1) -> None:
        """Hold the next ``times`` calls of ``operation`` for ``seconds`` before serving them (a slow network or
        a slow Route 53): the request is received and recorded at once, the answer comes late."""
        with self._lock:
            self._delays.append(_Delay(operation, seconds, times))

    def inject_prior_request_not_complete(self, n: int = 1) -> None:
        self.inject_error("ChangeResourceRecordSets", "PriorRequestNotComplete", PRIOR_REQUEST_NOT_COMPLETE, 400, n)

    @property
    def accepted_change_batches(self) -> list[dict[str, Any]]:
        return [b for b in self.change_batches if b["Status"] == "accepted"]

    # ------------------------------------------------------------------------------------ moto state

    @property
    def backend(self) -> Route53Backend:
        """The Route 53 state of the account of the request being served (else the server's account)."""
        return route53_backends[getattr(self._request, "account", None) or self.account_id]["aws"]

    def _account_of(self, environ: dict[str, Any], key_id: str) -> str:
        # moto's own order (BaseResponse.get_current_account), so the strict layer and moto agree.
        if "MOTO_ACCOUNT_ID" in os.environ:
            return os.environ["MOTO_ACCOUNT_ID"]
        header = environ.get(_ACCOUNT_ENVIRON)
        if header:
            return str(header)
        found = get_account_id_from(key_id) if key_id else DEFAULT_ACCOUNT_ID
        return self.account_id if found == DEFAULT_ACCOUNT_ID else found

    def _zone(self, raw_id: str) -> FakeZone:
        zone_id = unquote(raw_id).rstrip("/").split("/")[-1]
        zone = self.backend.zones.get(zone_id)
        if zone is None:
            raise RequestRejected("NoSuchHostedZone", f"No hosted zone found with ID: {zone_id}", 404)
        return zone

    def _state(self, zone: FakeZone) -> _ZoneState:
        state: _ZoneState | None = zone.__dict__.get("_zonekeeper_state")
        if state is None or zone.rrsets is not state.rrsets_list or len(zone.rrsets) != len(state.mirror):
            # First touch, or moto itself changed the zone (CloudFormation): re-import from moto.
            records = ZoneRecords()
            mirror: dict[Key, RecordSet] = {}
            for rs in zone.rrsets:
                rec = _import_recordset(rs, zone)
                key: Key = (rec["Name"], rec["Type"], rec.get("SetIdentifier"))
                records.put(key, rec)
                mirror[key] = _moto_recordset(rec)
            zone.rrsets = list(mirror.values())
            state = _ZoneState(records, mirror, zone.rrsets)
            zone.__dict__["_zonekeeper_state"] = state
        return state

    def _commit(self, zone: FakeZone, state: _ZoneState, overlay: dict[Key, Record | None]) -> None:
        state.records.apply(overlay)
        for key, rec in overlay.items():
            if rec is None:
                state.mirror.pop(key, None)
            else:
                state.mirror[key] = _moto_recordset(rec)
        zone.rrsets = list(state.mirror.values())
        state.rrsets_list = zone.rrsets
        state.sorted_cache = None

    @staticmethod
    def _sorted(state: _ZoneState) -> tuple[list[tuple[str, str, str]], list[Record]]:
        if state.sorted_cache is None:
            items = sorted(
                ((sort_key(k[0]), k[1], k[2] or ""), rec) for k, rec in state.records.records.items())
            state.sorted_cache = ([k for k, _ in items], [rec for _, rec in items])
        return state.sorted_cache

    def _zone_summary(self, zone: FakeZone) -> dict[str, Any]:
        config: dict[str, Any] = {"PrivateZone": bool(zone.private_zone)}
        if zone.comment:
            config["Comment"] = zone.comment
        return {
            "Id": zone.id,
            "Name": zone.name,
            "CallerReference": zone.caller_reference,
            "Config": config,
            "ResourceRecordSetCount": len(self._state(zone).mirror),
        }

    # ------------------------------------------------------------------------------------ WSGI

    def _wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"]
        path = environ.get("PATH_INFO", "")
        if path.startswith("/moto-api"):
            return cast(Iterable[bytes], self._moto_app(environ, start_response))
        matched = match_operation(method, path)
        operation, params = matched if matched else (f"{method} {path}", {})
        harness = environ.get(_HARNESS_ENVIRON) == "1"
        request_id = new_request_id()
        body = b""
        if method in ("POST", "PUT"):
            length = int(environ.get("CONTENT_LENGTH") or 0)
            body = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(body)
        batch: dict[str, Any] | None = None
        key_id = _access_key_id(environ)
        self._request.account = self._account_of(environ, key_id)
        try:
            if operation == "ChangeResourceRecordSets" and not harness:
                batch = self._record_batch(params, body)
                batch["AccessKeyId"] = key_id
                batch["AccountId"] = self._request.account
                body = b""  # parsed once: the handler reads the recorded batch
            if not harness:
                with self._lock:
                    self.counts_by_key[(key_id, operation)] += 1
                    denied = key_id in self.denied_keys
                if denied:
                    raise RequestRejected("InvalidClientTokenId",
                                          "The security token included in the request is invalid.", 403)
                self._delay(operation)
                self._admit(operation, batch, key_id)
            handler = self._handlers.get(operation)
            result = handler(environ, params, body, batch) if handler else None
            if result is None:
                return cast(Iterable[bytes], self._moto_app(environ, start_response))
            if callable(result):
                return cast(Iterable[bytes], result(start_response))
            status, payload = result
            if batch is not None:
                batch["Status"] = "accepted"
            return self._respond(start_response, status, payload, request_id)
        except RequestRejected as exc:
            with self._lock:
                self.errors.append({"Operation": operation, "Code": exc.code, "Message": exc.message,
                                    "Messages": list(exc.messages), "Status": exc.status})
                if batch is not None:
                    batch["Error"] = {"Code": exc.code, "Message": exc.message, "Messages": list(exc.messages)}
                    if batch["Status"] == "received":
                        batch["Status"] = "rejected"
            return self._respond(start_response, exc.status, render_error(exc.code, exc.message, request_id),
                                 request_id)

    def _admit(self, operation: str, batch: dict[str, Any] | None, key_id: str = "") -> None:
        """Count the request, then apply the rate limit and any injected error."""
        with self._lock:
            self.counts[operation] += 1
            bucket = self._bucket
            injection = next((i for i in self._injections if i.operation == operation and i.remaining > 0), None)
            if injection is not None:
                injection.remaining -= 1
        if bucket is not None and not bucket.take():
            with self._lock:
                self.throttled += 1
                self.throttled_by_key[key_id] += 1
                if batch is not None:
                    batch["Status"] = "throttled"
            raise RequestRejected("Throttling", "Rate exceeded", 400)
        if injection is not None:
            if batch is not None:
                batch["Status"] = "injected"
            raise RequestRejected(injection.code, injection.message, injection.status)

    def _delay(self, operation: str) -> None:
        with self._lock:
            delay = next((d for d in self._delays if d.operation == operation and d.remaining > 0), None)
            if delay is not None:
                delay.remaining -= 1
        if delay is not None:
            time.sleep(delay.seconds)

    def _record_batch(self, params: dict[str, str], body: bytes) -> dict[str, Any]:
        try:
            change_batch = parse_request("ChangeResourceRecordSets", body).get("ChangeBatch") or {}
            changes: list[dict[str, Any]] | None = change_batch.get("Changes") or []
        except ValueError:
            change_batch, changes = {}, None  # not well-formed XML
        entry = {
            "HostedZoneId": unquote(params.get("Id", "")).split("/")[-1],
            "Comment": change_batch.get("Comment"),
            "Changes": changes,
            "Status": "received",
            "Error": None,
            "AccessKeyId": "",
            "AccountId": "",
            "ReceivedAt": time.monotonic(),
        }
        with self._lock:
            self.change_batches.append(entry)
        return entry

    @staticmethod
    def _respond(start_response: Callable[..., Any], status: int, payload: bytes, request_id: str) -> list[bytes]:
        reason = {200: "OK", 201: "Created", 400: "Bad Request", 404: "Not Found", 409: "Conflict"}.get(status, "")
        start_response(f"{status} {reason}".strip(), [
            ("Content-Type", "text/xml"),
            ("Content-Length", str(len(payload))),
            ("x-amzn-RequestId", request_id),
        ])
        return [payload]

    # ------------------------------------------------------------------------------------ operations

    def _change_resource_record_sets(self, environ: dict[str, Any], params: dict[str, str], body: bytes,
                                     batch: dict[str, Any] | None) -> tuple[int, bytes]:
        if batch is not None:
            if batch["Changes"] is None:
                raise RequestRejected("InvalidInput", "Invalid XML ; the request body is not well-formed")
            change_batch = {"Changes": batch["Changes"], "Comment": batch["Comment"]}
        else:
            try:
                change_batch = parse_request("ChangeResourceRecordSets", body).get("ChangeBatch") or {}
            except ValueError as exc:
                raise RequestRejected("InvalidInput", f"Invalid XML ; {exc}") from None
        changes = change_batch.get("Changes") or []
        backend = self.backend
        with self._lock:
            zone = self._zone(params["Id"])
            state = self._state(zone)
            overlay, messages = check_batch(
                safe_canonical_name(zone.name), state.records, changes,
                health_check_exists=lambda hc: hc in backend.health_checks)
            if messages:
                raise RequestRejected("InvalidChangeBatch", "[" + ", ".join(messages) + "]", 400, messages)
            self._commit(zone, state, overlay)
            change_id = "C" + "".join(secrets.choice(_CHANGE_ID_CHARS) for _ in range(20))
            info = {"Id": f"/change/{change_id}", "Status": "PENDING", "SubmittedAt": _now(),
                    "Comment": change_batch.get("Comment")}
            self._changes[change_id] = {"info": info, "polls": 0}
        return 200, render_response("ChangeResourceRecordSets", {"ChangeInfo": info})

    def _list_resource_record_sets(self, environ: dict[str, Any], params: dict[str, str], body: bytes,
                                   batch: Any) -> tuple[int, bytes]:
        query = _query(environ)
        start_name, start_type, start_id = query.get("name"), query.get("type"), query.get("identifier")
        if (start_type and not start_name) or (start_id and not start_type):
            raise RequestRejected("InvalidInput", "The input is not valid")
        max_items = _max_items(query.get("maxitems"), MAX_RRSETS_PER_PAGE, MAX_RRSETS_PER_PAGE)
        with self._lock:
            state = self._state(self._zone(params["Id"]))
            keys, recs = self._sorted(state)
            start = 0
            if start_name:
                start = bisect.bisect_left(keys, (sort_key(safe_canonical_name(start_name)), start_type or "",
                                                  start_id or ""))
            page = recs[start:start + max_items]
            following = recs[start + max_items] if start + max_items < len(recs) else None
            result: dict[str, Any] = {
                "ResourceRecordSets": page,
                "IsTruncated": following is not None,
                "MaxItems": str(max_items),
            }
            if following is not None:
                result["NextRecordName"] = following["Name"]
                result["NextRecordType"] = following["Type"]
                result["NextRecordIdentifier"] = following.get("SetIdentifier")
        return 200, render_response("ListResourceRecordSets", result)

    def _list_hosted_zones(self, environ: dict[str, Any], params: dict[str, str], body: bytes,
                           batch: Any) -> tuple[int, bytes]:
        query = _query(environ)
        max_items = _max_items(query.get("maxitems"), MAX_ZONES_PER_PAGE, MAX_ZONES_PER_PAGE)
        zone_type = query.get("hostedzonetype")
        if zone_type and zone_type != "PrivateHostedZone":
            raise RequestRejected("InvalidInput", (
                f"Invalid XML ; cvc-enumeration-valid: Value '{zone_type}' is not facet-valid with respect to "
                "enumeration '[PrivateHostedZone]'. It must be a value from the enumeration."))
        with self._lock:
            zones = list(self.backend.zones.values())
            if zone_type:
                zones = [z for z in zones if z.private_zone]
            delegation_set = query.get("delegationsetid")
            if delegation_set:
                zones = [z for z in zones if z.delegation_set is not None and z.delegation_set.id == delegation_set]
            start = 0
            marker = query.get("marker")
            if marker:
                ids = [z.resource_id for z in zones]
                marker_id = marker.split("/")[-1]
                if marker_id not in ids:
                    raise RequestRejected("InvalidInput", f"Invalid marker: {marker}")  # wording unverified
                start = ids.index(marker_id)
            page = zones[start:start + max_items]
            following = zones[start + max_items] if start + max_items < len(zones) else None
            result: dict[str, Any] = {
                "HostedZones": [self._zone_summary(z) for z in page],
                "Marker": marker,
                "IsTruncated": following is not None,
                "NextMarker": following.resource_id if following is not None else None,
                "MaxItems": str(max_items),
            }
        return 200, render_response("ListHostedZones", result)

    def _list_hosted_zones_by_name(self, environ: dict[str, Any], params: dict[str, str], body: bytes,
                                   batch: Any) -> tuple[int, bytes]:
        query = _query(environ)
        dns_name, zone_id = query.get("dnsname"), query.get("hostedzoneid")
        if zone_id and not dns_name:
            raise RequestRejected("InvalidInput", "The input is not valid")
        max_items = _max_items(query.get("maxitems"), MAX_ZONES_PER_PAGE, MAX_ZONES_PER_PAGE)
        with self._lock:
            ordered = sorted(
                ((sort_key(safe_canonical_name(z.name)), z.resource_id), z) for z in self.backend.zones.values())
            keys = [k for k, _ in ordered]
            start = 0
            if dns_name:
                start = bisect.bisect_left(keys, (sort_key(safe_canonical_name(dns_name)), zone_id or ""))
            page = [z for _, z in ordered[start:start + max_items]]
            following = ordered[start + max_items][1] if start + max_items < len(ordered) else None
            result = {
                "HostedZones": [self._zone_summary(z) for z in page],
                "DNSName": dns_name,
                "HostedZoneId": zone_id,
                "IsTruncated": following is not None,
                "NextDNSName": following.name if following is not None else None,
                "NextHostedZoneId": following.resource_id if following is not None else None,
                "MaxItems": str(max_items),
            }
        return 200, render_response("ListHostedZonesByName", result)

    def _get_change(self, environ: dict[str, Any], params: dict[str, str], body: bytes,
                    batch: Any) -> tuple[int, bytes] | None:
        change_id = unquote(params["Id"]).split("/")[-1]
        with self._lock:
            change = self._changes.get(change_id)
            if change is None:
                return None  # ids moto issued itself (CreateHostedZone...) stay moto's: INSYNC
            change["polls"] += 1
            info = dict(change["info"])
            if change["polls"] > self.change_insync_after:
                info["Status"] = "INSYNC"
        return 200, render_response("GetChange", {"ChangeInfo": info})

    def _create_hosted_zone(self, environ: dict[str, Any], params: dict[str, str], body: bytes,
                            batch: Any) -> Callable[[Callable[..., Any]], Iterable[bytes]]:
        try:
            request = parse_request("CreateHostedZone", body)
        except ValueError as exc:
            raise RequestRejected("InvalidInput", f"Invalid XML ; {exc}") from None
        reference = str(request.get("CallerReference", ""))
        name = str(request.get("Name", ""))
        try:
            canonical_name(name)
        except ValueError:
            raise RequestRejected("InvalidDomainName", f"{name} is not a valid domain name.") from None  # unverified
        with self._lock:
            if reference in self._caller_references:
                raise RequestRejected("HostedZoneAlreadyExists",
                                      "A hosted zone has already been created with the specified caller reference.",
                                      409)

        def run(start_response: Callable[..., Any]) -> Iterable[bytes]:
            status: list[str] = []

            def capture(code: str, headers: Any, exc_info: Any = None) -> Any:
                status.append(code)
                return start_response(code, headers, exc_info) if exc_info else start_response(code, headers)

            out = list(self._moto_app(environ, capture))
            if status and status[0].startswith("201"):
                with self._lock:
                    self._caller_references.add(reference)
            return out

        return run

    def _delete_hosted_zone(self, environ: dict[str, Any], params: dict[str, str], body: bytes,
                            batch: Any) -> None:
        with self._lock:
            zone = self._zone(params["Id"])
            apex = safe_canonical_name(zone.name)
            state = self._state(zone)
            if any(not (k[0] == apex and k[1] in ("NS", "SOA")) for k in state.records.records):
                raise RequestRejected(
                    "HostedZoneNotEmpty",
                    "The hosted zone contains resource records that are not SOA or NS records.")
        return None

    def _list_tags_for_resource(self, environ: dict[str, Any], params: dict[str, str], body: bytes,
                                batch: Any) -> None:
        if params.get("ResourceType") == "hostedzone":
            with self._lock:
                self._zone(params["ResourceId"])
        return None


# ---------------------------------------------------------------------------------------- CLI


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.support.route53",
        description="Serve a strict Route 53 endpoint (moto + Route 53's rules). "
                    "Prints the endpoint URL on the first line of stdout, then serves until SIGTERM/SIGINT.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port (default)")
    parser.add_argument("--rate-limit", type=float, default=None, help="requests per second (default: off)")
    parser.add_argument("--burst", type=int, default=None)
    parser.add_argument("--zone", action="append", default=[],
                        help="create this public zone at start and print '<name> <id>' (repeatable)")
    args = parser.parse_args(argv)

    server = StrictRoute53Server(args.host, args.port)
    server.start()
    server.set_rate_limit(args.rate_limit, args.burst)
    print(server.endpoint, flush=True)
    for name in args.zone:
        print(name, server.create_zone(name), flush=True)

    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
    return 0


def iter_all_records(client: Any, zone_id: str, page_size: int | None = None) -> Iterator[dict[str, Any]]:
    """Every rrset of a zone through boto3's paginator (a convenience for tests and the demo)."""
    paginator = client.get_paginator("list_resource_record_sets")
    config = {"PageSize": page_size} if page_size else {}
    for page in paginator.paginate(HostedZoneId=zone_id, PaginationConfig=config):
        yield from page["ResourceRecordSets"]


if __name__ == "__main__":
    sys.exit(main())
