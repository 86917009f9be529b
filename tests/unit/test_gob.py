"""The gob decoder (zonekeeper.sources.gob) on bytes made by Go's own encoder, and on hostile input.

SAMPLE and EMPTY were made once by external-dns v0.23.0's endpoint package through encoding/gob:
    bash tests/connector/build.sh
    $(bash tests/connector/build.sh --print) -dump -endpoints tests/connector/sample.json   # SAMPLE
    echo '[]' > /tmp/empty.json; $(bash tests/connector/build.sh --print) -dump -endpoints /tmp/empty.json
"""

from __future__ import annotations

import time

import pytest

from zonekeeper.sources import gob

SAMPLE = bytes.fromhex(
    "0dff89020102ff8a0001ff800000757f030102ff800001070107444e534e616d65010c0001075461726765747301ff82"
    "00010a5265636f726454797065010c00010d5365744964656e746966696572010c0001095265636f726454544c010400"
    "01064c6162656c7301ff8400011050726f7669646572537065636966696301ff8800000015ff81020101075461726765"
    "747301ff8200010c000016ff83040101064c6162656c7301ff8400010c010c00001fff870201011050726f7669646572"
    "537065636966696301ff880001ff86000039ff850301011850726f7669646572537065636966696350726f7065727479"
    "01ff8600010201044e616d65010c00010556616c7565010c000000ffb9ff8a0003010f7765622e6578616d706c652e6f"
    "726701020831302e302e302e320831302e302e302e3101014102fe02580101047465616d04626c756500010d772e6578"
    "616d706c652e6f72670101206c622d312e65752d776573742d312e656c622e616d617a6f6e6177732e636f6d0105434e"
    "414d45010265750302010a6177732f77656967687401023130000105616c6961730104747275650000010f7478742e65"
    "78616d706c652e6f7267010103763d31010354585400"
)
EMPTY = bytes.fromhex(
    "0dff89020102ff8a0001ff800000757f030102ff800001070107444e534e616d65010c0001075461726765747301ff82"
    "00010a5265636f726454797065010c00010d5365744964656e746966696572010c0001095265636f726454544c010400"
    "01064c6162656c7301ff8400011050726f7669646572537065636966696301ff8800000015ff81020101075461726765"
    "747301ff8200010c000016ff83040101064c6162656c7301ff8400010c010c00001fff870201011050726f7669646572"
    "537065636966696301ff880001ff86000039ff850301011850726f7669646572537065636966696350726f7065727479"
    "01ff8600010201044e616d65010c00010556616c7565010c00000004ff8a0000"
)

# Where the type definitions end and the value message starts (EMPTY ends with a 5-byte value message).
TYPES_END = len(EMPTY) - 5

EXPECTED = [
    {"DNSName": "web.example.org", "Targets": ["10.0.0.2", "10.0.0.1"], "RecordType": "A", "RecordTTL": 300,
     "Labels": {"team": "blue"}},
    {"DNSName": "w.example.org", "Targets": ["lb-1.eu-west-1.elb.amazonaws.com"], "RecordType": "CNAME",
     "SetIdentifier": "eu",
     "ProviderSpecific": [{"Name": "aws/weight", "Value": "10"}, {"Name": "alias", "Value": "true"}]},
    {"DNSName": "txt.example.org", "Targets": ["v=1"], "RecordType": "TXT"},
]


def test_decodes_what_go_encoded() -> None:
    assert gob.decode(SAMPLE) == EXPECTED


def test_an_empty_slice() -> None:
    assert gob.decode(EMPTY) == []


def test_complete_finds_the_end_of_the_value() -> None:
    assert gob.complete(SAMPLE) == len(SAMPLE)
    assert gob.complete(SAMPLE + b"trailing") == len(SAMPLE)
    assert gob.complete(EMPTY) == len(EMPTY)


@pytest.mark.parametrize("cut", [1, 10, 100, 300, len(SAMPLE) - 1])
def test_a_truncated_stream_is_incomplete(cut: int) -> None:
    assert gob.complete(SAMPLE[:cut]) is None
    with pytest.raises(gob.Incomplete):
        gob.decode(SAMPLE[:cut])


def test_an_oversized_message_is_refused_before_it_is_read() -> None:
    huge = bytes([0xFC]) + (gob.MAX_MESSAGE + 1).to_bytes(4, "big")
    with pytest.raises(gob.GobError, match="a message of"):
        gob.complete(huge)
    with pytest.raises(gob.GobError, match="a message of"):
        gob.decode(huge)


def test_a_count_beyond_the_message_is_refused() -> None:
    # EMPTY's type definitions, then a value message claiming 10**9 endpoints in 8 bytes.
    lie = bytes([8, 0xFF, 0x8A, 0, 0xFC]) + (10**9).to_bytes(4, "big")
    with pytest.raises(gob.GobError, match="more than the message holds"):
        gob.decode(EMPTY[:TYPES_END] + lie)


def test_a_value_of_an_undefined_type_is_refused() -> None:
    with pytest.raises(gob.GobError, match="undefined type"):
        gob.decode(bytes([3, 0xFF, 0x90, 0]) + b"\x00")


def test_floats_are_refused() -> None:
    # float64(1.5) at top level, as encoding/gob writes it: type id 4, singleton marker, value.
    with pytest.raises(gob.GobError, match="float values are not supported"):
        gob.decode(bytes([5, 8, 0, 0xFE, 0xF8, 0x3F]))


def test_a_wire_type_with_an_unknown_kind_is_refused() -> None:
    # Type 64 defined as a GobEncoder type (wireType field 5).
    with pytest.raises(gob.GobError, match="not supported"):
        gob.decode(bytes([6, 0xFF, 0x7F, 5, 1, 0, 0]))


def test_a_string_that_is_not_utf8_is_refused() -> None:
    with pytest.raises(gob.GobError, match="UTF-8"):
        gob.decode(bytes([5, 12, 0, 2, 0xFF, 0xFE]))


def test_throughput_of_ten_thousand_endpoints() -> None:
    stream = SAMPLE[:TYPES_END] + _value_message(SAMPLE, 3334)
    t0 = time.perf_counter()
    decoded = gob.decode(stream)
    elapsed = time.perf_counter() - t0
    assert len(decoded) == 3 * 3334 and decoded[-1] == EXPECTED[-1]
    assert elapsed < 5.0


def _value_message(stream: bytes, times: int) -> bytes:
    """SAMPLE's value message with its 3 endpoints repeated `times` times (framed again)."""
    frame = stream[TYPES_END:]
    length_size = 1 if frame[0] < 0x80 else 1 + 256 - frame[0]
    body = frame[length_size:]
    type_id, singleton, count = body[:2], body[2:3], body[3]
    assert count == 3 and singleton == b"\x00"
    n = 3 * times
    new = type_id + singleton + bytes([0xFE]) + n.to_bytes(2, "big") + body[4:] * times
    return bytes([0xFC]) + len(new).to_bytes(4, "big") + new
