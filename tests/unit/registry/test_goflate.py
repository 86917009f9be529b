"""Go-compatible gzip. Every expected value below was produced by Go 1.26.8's compress/gzip
(NewWriterLevel(BestCompression), Write, Flush, Close -- external-dns's compressData) in a
throwaway program; the large inputs are checked by SHA-256 of Go's output to keep this file small.
The inputs were chosen to reach each path of the port: fixed, dynamic and stored blocks, the
longest match, window sliding past 64 KiB and blocks cut at 16384 tokens. (A wider differential
run -- 660 inputs per seed, up to 150 KB, several seeds -- matched Go byte for byte; it needs Go,
so it is not part of the suite.)"""

from __future__ import annotations

import gzip
import hashlib
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zonekeeper.registry.goflate import gzip_best_compression


def lcg_bytes(n: int, alphabet: bytes, seed: int) -> bytes:
    # A fixed generator (PCG constants) so the inputs never depend on Python's random module.
    out = bytearray()
    x = seed
    for _ in range(n):
        x = (x * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        out.append(alphabet[(x >> 33) % len(alphabet)])
    return bytes(out)


def words(n: int, seed: int) -> bytes:
    vocab = [lcg_bytes(1 + i % 9, b"abcdefghijklmnopqrstuvwxyz", seed + i) for i in range(300)]
    out = []
    x = seed
    for _ in range(n):
        x = (x * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        out.append(vocab[(x >> 33) % len(vocab)])
    return b" ".join(out)


LOREM = (
    b"Lorem Ipsum is simply dummy text of the printing and typesetting industry. Lorem Ipsum has been "
    b"the industry's standard dummy text ever since the 1500s, when an unknown printer took a galley "
    b"of type and scrambled it to make a type specimen book."
)

SMALL = [
    ("empty", b"", "1f8b08000000000002ff000000ffff010000ffff0000000000000000"),
    ("one byte", b"a", "1f8b08000000000002ff4a04000000ffff010000ffff43beb7e801000000"),
    (
        "label (fixed Huffman)",
        b"heritage=external-dns,external-dns/owner=default,external-dns/resource=service/default/web",
        "1f8b08000000000002ffca482dca2c494c4fb54dad28492dca4bccd14dc92bd641e6e8e797e7a516d9a6a4a62596e694"
        "a04a15a516e7971625a7da16a716956526a7ea4355e997a72601000000ffff010000ffff103fad1d5a000000",
    ),
    (
        "zeros (258-byte matches)",
        bytes(300),
        "1f8b08000000000002ff621805440300000000ffff010000ffffd28f34b52c010000",
    ),
    (
        "random (stored block)",
        lcg_bytes(64, bytes(range(256)), 7),
        "1f8b08000000000002ff004000bfff5e3f3191e903e814db7603b34070dda2fd732c9fd8a136325d7058d9c570e89da6"
        "0b1d13195be4687d9720222ce860a0524a745e0d1c5acbc0a0b2eb9fe53374000000ffff010000ffffea59b81c40000000",
    ),
    (
        "prose (dynamic Huffman)",
        LOREM,
        "1f8b08000000000002ff4c8e516ac3400c44af327ffd2921fde8210abd84ec9dc68b2d6959c94df7f6850d817c0abd99"
        "79dfdea9f86a712a6a20aab663a09caa03c9bf84ff2037a2f56a59ed06b1821c8dc19c77b57246f671c16bd5268185b4"
        "997d226f8148b122bdbc2ef0971d516de5a43f3eafd778c77da3410ca7ede6777b08b023dd77086e721c1cd36e344eab"
        "58bbe872b0a026d2a1b213f2f847e35a9586c57dbffc030000ffff010000ffff1652a205f5000000",
    ),
]


@pytest.mark.parametrize(("data", "expected"), [(d, e) for _, d, e in SMALL], ids=[n for n, _, _ in SMALL])
def test_matches_go(data: bytes, expected: str) -> None:
    assert gzip_best_compression(data).hex() == expected


@pytest.mark.parametrize(
    ("make", "sha256"),
    [
        (
            lambda: lcg_bytes(100_000, bytes(range(256)), 11),
            "c3bc2cfbd7c453f9801965db7fde39592a2b9ef74268bc3e7d03def4628234b9",
        ),
        (lambda: words(20_000, 5), "9981f6ebc5b5c6fca23b36231f302fcb9f40d68eecb0239e6513801dfe4533cd"),
    ],
    ids=["random 100k", "words 119k"],
)
def test_large_inputs_match_go(make: object, sha256: str) -> None:
    assert callable(make)
    data = make()
    compressed = gzip_best_compression(data)
    assert hashlib.sha256(compressed).hexdigest() == sha256
    assert gzip.decompress(compressed) == data


def test_header_is_gos() -> None:
    header = gzip_best_compression(b"x")[:10]
    # No mtime, XFL 2 (best compression), OS 255 (unknown) -- zlib would write the host OS.
    assert header == bytes.fromhex("1f8b08000000000002ff")


@settings(max_examples=80, deadline=None)
@given(st.binary(max_size=2000) | st.text(alphabet="abc-=/,.", max_size=3000).map(str.encode))
def test_output_is_valid_gzip(data: bytes) -> None:
    compressed = gzip_best_compression(data)
    assert gzip.decompress(compressed) == data
    # Flush's empty stored block, then Close's final one.
    assert compressed[-17:-8] == b"\x00\x00\xff\xff\x01\x00\x00\xff\xff"
    assert int.from_bytes(compressed[-8:-4], "little") == zlib.crc32(data)
