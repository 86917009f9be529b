"""Route 53 REST-XML bodies <-> plain dicts, driven by botocore's own Route 53 model.

The strict server answers some operations itself (see ``route53.py``). Parsing requests and writing
responses from the same service model botocore uses means every field (GeoProximityLocation,
CidrRoutingConfig, ...) round-trips without a hand-written schema, and the dicts look exactly like
the parameters a boto3 caller passed.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import uuid
import xml.etree.ElementTree as ET
from typing import Any
from xml.sax.saxutils import escape

import botocore.session
from botocore.model import OperationModel, ServiceModel, Shape

NAMESPACE = "https://route53.amazonaws.com/doc/2013-04-01/"
API_VERSION = "2013-04-01"


@functools.cache
def service_model() -> ServiceModel:
    return botocore.session.get_session().get_service_model("route53")


def operation_model(name: str) -> OperationModel:
    return service_model().operation_model(name)


@functools.cache
def routes() -> tuple[tuple[str, re.Pattern[str], str], ...]:
    """(method, path regex, operation) for every Route 53 operation, from botocore's model.

    Route 53 is REST-XML: the operation is known only from method + path. Placeholders become
    named groups so handlers can read ``Id`` etc. (components.md 1.5 checked that no path matches
    two operations).
    """
    model = service_model()
    out = []
    for op in model.operation_names:
        http = model.operation_model(op).http
        path = http["requestUri"].split("?")[0].rstrip("/")
        pattern = re.sub(r"\{([A-Za-z]+)\+?\}", r"(?P<\1>[^/]+)", path)
        out.append((http["method"], re.compile("^" + pattern + "/?$"), op))
    return tuple(out)


def match_operation(method: str, path: str) -> tuple[str, dict[str, str]] | None:
    for route_method, rx, op in routes():
        if route_method == method:
            m = rx.match(path)
            if m:
                return op, m.groupdict()
    return None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _parse(elem: ET.Element, shape: Shape) -> Any:
    kind = shape.type_name
    if kind == "structure":
        children = {_local(child.tag): child for child in elem}
        out: dict[str, Any] = {}
        for name, member in shape.members.items():
            if member.serialization.get("location"):
                continue
            child = children.get(member.serialization.get("name", name))
            if child is not None:
                out[name] = _parse(child, member)
        return out
    if kind == "list":
        member_name = shape.member.serialization.get("name", "member")
        return [_parse(child, shape.member) for child in elem if _local(child.tag) == member_name]
    text = elem.text or ""
    if kind in ("integer", "long"):
        return int(text.strip())
    if kind == "boolean":
        return text.strip() == "true"
    if kind in ("float", "double"):
        return float(text.strip())
    return text


def parse_request(operation: str, body: bytes) -> dict[str, Any]:
    """The body members of an operation's input as a boto3-style dict. Raises ValueError if malformed."""
    try:
        root = ET.fromstring(body)
    except ET.ParseError as exc:
        raise ValueError(str(exc)) from exc
    result = _parse(root, operation_model(operation).input_shape)
    assert isinstance(result, dict)
    return result


def _timestamp(value: Any) -> str:
    if isinstance(value, dt.datetime):
        value = value.astimezone(dt.UTC)
        return str(value.strftime("%Y-%m-%dT%H:%M:%S.")) + f"{value.microsecond // 1000:03d}Z"
    return str(value)


def _build(parent: ET.Element, tag: str, shape: Shape, value: Any) -> None:
    elem = ET.SubElement(parent, tag)
    kind = shape.type_name
    if kind == "structure":
        for name, member in shape.members.items():
            if value.get(name) is not None:
                _build(elem, member.serialization.get("name", name), member, value[name])
    elif kind == "list":
        member_name = shape.member.serialization.get("name", "member")
        for item in value:
            _build(elem, member_name, shape.member, item)
    elif kind == "boolean":
        elem.text = "true" if value else "false"
    elif kind == "timestamp":
        elem.text = _timestamp(value)
    else:
        elem.text = str(value)


def render_response(operation: str, values: dict[str, Any]) -> bytes:
    """An operation's output (a boto3-style dict) as Route 53 would send it."""
    shape = operation_model(operation).output_shape
    root = ET.Element(shape.name, xmlns=NAMESPACE)
    for name, member in shape.members.items():
        if values.get(name) is not None:
            _build(root, member.serialization.get("name", name), member, values[name])
    return b'<?xml version="1.0"?>\n' + bytes(ET.tostring(root, encoding="utf-8", xml_declaration=False))


def new_request_id() -> str:
    return str(uuid.uuid4())


def render_error(code: str, message: str, request_id: str, error_type: str = "Sender") -> bytes:
    """Route 53's error document. botocore reads Error/Code and Error/Message from it.

    Real Route 53 has also been seen answering ``<InvalidChangeBatch><Messages>...`` (the Go SDKs
    carry a special decoder for it), but botocore parses that form as an empty error code, while
    boto3 users of Route 53 do see ``InvalidChangeBatch`` with the messages joined as
    ``[m1, m2]`` in Error/Message. So the standard document is the faithful one for our clients.
    """
    return (
        f'<?xml version="1.0"?>\n<ErrorResponse xmlns="{NAMESPACE}"><Error><Type>{error_type}</Type>'
        f"<Code>{escape(code)}</Code><Message>{escape(message)}</Message></Error>"
        f"<RequestId>{request_id}</RequestId></ErrorResponse>"
    ).encode()
