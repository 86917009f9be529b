"""A bounded decoder of Go's encoding/gob streams, for the connector source — pure (bytes in, values out).

external-dns's connector source reads one gob value of type []*endpoint.Endpoint from a TCP server. The
stream is a sequence of messages, each `uint length` + `int type id` + body: a negative id defines a type
(its body a `wireType`), a positive one carries a value of a type defined before. This decoder knows the
wire types gob sends for structs, slices, maps and arrays of bool, int, uint, string and []byte (pointers
are transparent on the wire); anything else (floats, complex numbers, interfaces, GobEncoder/Binary/
TextMarshaler types) is refused with `GobError`, as is every value that passes a limit: the server is
another system, and a hostile one must not make us allocate without bound.

Values come out as plain Python data: a struct as a dict of field name -> value (only the fields sent:
gob leaves out zero values), a slice or array as a list, a map as a dict, []byte as bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MAX_MESSAGE = 64 * 1024 * 1024  # bytes of one message (10,000 endpoints are about 1 MB)
MAX_ITEMS = 2_000_000  # slice, array and map elements in one value, all levels together
MAX_DEPTH = 32  # nesting of composite values and of type definitions
MAX_TYPES = 256  # type definitions in one stream

# gob's predefined type ids (encoding/gob/type.go).
_BOOL, _INT, _UINT, _FLOAT, _BYTES, _STRING, _COMPLEX, _INTERFACE = 1, 2, 3, 4, 5, 6, 7, 8
_BASIC = {_BOOL: "bool", _INT: "int", _UINT: "uint", _BYTES: "[]byte", _STRING: "string"}
_REFUSED = {_FLOAT: "float", _COMPLEX: "complex", _INTERFACE: "interface"}
_FIRST_USER_ID = 64
# wireType's fields: 1 ArrayT, 2 SliceT, 3 StructT, 4 MapT, 5.. the marshaler types.
_ARRAY, _SLICE, _STRUCT, _MAP = 1, 2, 3, 4


class GobError(ValueError):
    """The bytes are not a gob stream this decoder accepts (the message says where and why)."""


class Incomplete(GobError):
    """The stream ended before the value was complete."""


@dataclass(slots=True, frozen=True)
class WireType:
    """One user type: `kind` is "struct", "slice", "array" or "map"; `fields` (name, type id) of a
    struct; `elem` of a slice, array or map; `key` of a map; `length` of an array."""

    name: str
    kind: str
    fields: tuple[tuple[str, int], ...] = ()
    elem: int = 0
    key: int = 0
    length: int = 0


@dataclass(slots=True)
class _Reader:
    data: bytes
    pos: int = 0
    end: int = 0
    items: int = 0
    types: dict[int, WireType] = field(default_factory=dict)

    def byte(self) -> int:
        if self.pos >= self.end:
            raise Incomplete(f"the message ends at byte {self.pos}")
        b = self.data[self.pos]
        self.pos += 1
        return b

    def uint(self) -> int:
        first = self.byte()
        if first < 0x80:
            return first
        size = 256 - first
        if size > 8:
            raise GobError(f"an unsigned integer of {size} bytes at byte {self.pos - 1}")
        return int.from_bytes(self.take(size), "big")

    def sint(self) -> int:
        u = self.uint()
        return ~(u >> 1) if u & 1 else u >> 1

    def take(self, n: int) -> bytes:
        if n > self.end - self.pos:
            raise Incomplete(f"{n} bytes wanted at byte {self.pos}, {self.end - self.pos} left in the message")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def count(self, what: str) -> int:
        n = self.uint()
        # Every element takes at least one byte: a count beyond what is left is a lie.
        if n > self.end - self.pos:
            raise GobError(f"{what} of {n} elements at byte {self.pos}: more than the message holds")
        self.items += n
        if self.items > MAX_ITEMS:
            raise GobError(f"more than {MAX_ITEMS} elements in one value")
        return n


def _frame(data: bytes, pos: int) -> tuple[int, int] | None:
    """(body start, body end) of the message at `pos`, or None while it is not all there."""
    reader = _Reader(data, pos, len(data))
    try:
        length = reader.uint()
    except Incomplete:
        return None
    if length > MAX_MESSAGE:
        raise GobError(f"a message of {length} bytes (at most {MAX_MESSAGE})")
    if length == 0:
        raise GobError(f"an empty message at byte {pos}")
    if reader.pos + length > len(data):
        return None
    return reader.pos, reader.pos + length


def complete(data: bytes) -> int | None:
    """The end of the first value message if `data` holds one (type definitions before it), else None.
    Raises GobError for a frame no stream may have (the I/O edge stops reading then)."""
    pos, types = 0, 0
    while True:
        frame = _frame(data, pos)
        if frame is None:
            return None
        start, end = frame
        type_id = _Reader(data, start, end).sint()
        if type_id >= 0:
            return end
        types += 1
        if types > MAX_TYPES:
            raise GobError(f"more than {MAX_TYPES} type definitions")
        pos = end


def decode(data: bytes) -> Any:
    """The first value of the gob stream `data` (its type definitions read on the way)."""
    reader = _Reader(data)
    pos = 0
    while True:
        frame = _frame(data, pos)
        if frame is None:
            raise Incomplete(f"the stream ends at byte {len(data)} before a value")
        reader.pos, reader.end = frame
        type_id = reader.sint()
        if type_id < 0:
            _define(reader, -type_id)
        else:
            return _top_value(reader, type_id)
        pos = frame[1]


def _define(reader: _Reader, type_id: int) -> None:
    if type_id < _FIRST_USER_ID or type_id in reader.types:
        raise GobError(f"type {type_id} defined again or reserved")
    if len(reader.types) >= MAX_TYPES:
        raise GobError(f"more than {MAX_TYPES} type definitions")
    raw = _struct_fields(reader, _wire_field, 0)
    if len(raw) != 1:
        raise GobError(f"type {type_id}: a wireType with {len(raw)} kinds")
    ((kind, body),) = raw.items()
    reader.types[type_id] = _wire_type(type_id, kind, body)


def _wire_type(type_id: int, kind: int, body: dict[int, Any]) -> WireType:
    common = body.get(1, {})
    name = common.get(1, "") if isinstance(common, dict) else ""
    if kind == _STRUCT:
        fields = tuple((f.get(1, ""), f.get(2, 0)) for f in body.get(2, []))
        return WireType(name, "struct", fields=fields)
    if kind == _SLICE:
        return WireType(name, "slice", elem=body.get(2, 0))
    if kind == _ARRAY:
        return WireType(name, "array", elem=body.get(2, 0), length=body.get(3, 0))
    if kind == _MAP:
        return WireType(name, "map", key=body.get(2, 0), elem=body.get(3, 0))
    raise GobError(f"type {type_id} ({name or 'unnamed'}): GobEncoder/BinaryMarshaler/TextMarshaler "
                   "types are not supported")


# The shapes of gob's own type-description structs, by (struct, field number): "s" string, "i" int,
# "c" CommonType, "f" []fieldType, "w" a nested description struct.
_WIRE_FIELDS: dict[tuple[int, int], str] = {
    (0, _ARRAY): "w", (0, _SLICE): "w", (0, _STRUCT): "w", (0, _MAP): "w",
    (1, 1): "c", (1, 2): "i", (1, 3): "i",  # arrayType / sliceType / mapType: CommonType, Elem/Key, Len/Elem
    (2, 1): "c", (2, 2): "f",  # structType: CommonType, Field
    (3, 1): "s", (3, 2): "i",  # CommonType / fieldType: Name, Id
}


def _wire_field(reader: _Reader, level: int, number: int, depth: int) -> Any:
    shape = _WIRE_FIELDS.get((level, number))
    if shape is None:
        raise GobError(f"wireType field {number} is not supported (at byte {reader.pos})")
    if shape == "s":
        return _string(reader)
    if shape == "i":
        return reader.sint()
    if shape == "c":
        return _struct_fields(reader, _wire_field, 3, depth + 1)
    if shape == "f":
        return [_struct_fields(reader, _wire_field, 3, depth + 1) for _ in range(reader.count("[]fieldType"))]
    return _struct_fields(reader, _wire_field, 2 if number == _STRUCT else 1, depth + 1)


def _struct_fields(reader: _Reader, read: Any, level: int, depth: int = 0) -> dict[int, Any]:
    """A struct as field number (1-based) -> value; `read(reader, level, number, depth)` reads one."""
    if depth > MAX_DEPTH:
        raise GobError(f"type definitions nested deeper than {MAX_DEPTH}")
    out: dict[int, Any] = {}
    number = 0
    while True:
        delta = reader.uint()
        if delta == 0:
            return out
        number += delta
        out[number] = read(reader, level, number, depth)


def _top_value(reader: _Reader, type_id: int) -> Any:
    wire = reader.types.get(type_id)
    # A value that is not a struct is sent as the only field of a struct: a zero delta first.
    if (wire is None or wire.kind != "struct") and reader.uint() != 0:
        raise GobError(f"a non-struct value of type {type_id} without its singleton marker")
    return _value(reader, type_id, 0)


def _value(reader: _Reader, type_id: int, depth: int) -> Any:
    if depth > MAX_DEPTH:
        raise GobError(f"values nested deeper than {MAX_DEPTH}")
    if type_id in _BASIC:
        return _basic(reader, type_id)
    if type_id in _REFUSED:
        raise GobError(f"{_REFUSED[type_id]} values are not supported")
    wire = reader.types.get(type_id)
    if wire is None:
        raise GobError(f"a value of undefined type {type_id} at byte {reader.pos}")
    if wire.kind == "struct":
        return _struct(reader, wire, depth)
    if wire.kind == "map":
        n = reader.count(f"map {wire.name}")
        return {_key(_value(reader, wire.key, depth + 1)): _value(reader, wire.elem, depth + 1) for _ in range(n)}
    n = reader.count(f"{wire.kind} {wire.name}")
    if wire.kind == "array" and n != wire.length:
        raise GobError(f"array {wire.name} of length {wire.length} sent with {n} elements")
    return [_value(reader, wire.elem, depth + 1) for _ in range(n)]


def _key(value: Any) -> Any:
    if isinstance(value, dict | list):
        raise GobError("a map key that is a struct, slice or map")
    return value


def _struct(reader: _Reader, wire: WireType, depth: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    number = -1
    while True:
        delta = reader.uint()
        if delta == 0:
            return out
        number += delta
        if number >= len(wire.fields):
            raise GobError(f"struct {wire.name}: field {number} of {len(wire.fields)}")
        name, field_type = wire.fields[number]
        out[name] = _value(reader, field_type, depth + 1)


def _basic(reader: _Reader, type_id: int) -> Any:
    if type_id == _BOOL:
        return reader.uint() != 0
    if type_id == _INT:
        return reader.sint()
    if type_id == _UINT:
        return reader.uint()
    if type_id == _BYTES:
        return reader.take(reader.count("[]byte"))
    return _string(reader)


def _string(reader: _Reader) -> str:
    raw = reader.take(reader.count("string"))
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise GobError(f"a string that is not UTF-8 at byte {reader.pos - len(raw)}") from exc
