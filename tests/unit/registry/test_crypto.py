"""Sealed TXT values, checked against values external-dns itself produced.

Two kinds of golden vector:
- UPSTREAM: the "known encrypted text" in external-dns's endpoint/crypto_test.go (TestEncrypt).
- GO: produced for this test by a throwaway Go 1.26.8 program that runs external-dns's
  EncryptText/compressData algorithm (gzip.NewWriterLevel(BestCompression), Write, Flush, Close;
  AES-256-GCM Seal with the nonce as prefix; base64.StdEncoding) with the fixed nonce 00..0b.
"""

from __future__ import annotations

import base64

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zonekeeper.registry import crypto

# -- UPSTREAM ------------------------------------------------------------------------------------

UPSTREAM_KEY = b"s%zF`.*'5`9.AhI2!B,.~hmbs^.*TL?;"
UPSTREAM_PLAINTEXT = (
    "Lorem Ipsum is simply dummy text of the printing and typesetting industry. Lorem Ipsum has been "
    "the industry's standard dummy text ever since the 1500s, when an unknown printer took a galley of "
    "type and scrambled it to make a type specimen book. It has survived not only five centuries, but "
    "also the leap into electronic typesetting, remaining essentially unchanged. It was popularised in "
    "the 1960s with the release of Letraset sheets containing Lorem Ipsum passages, and more recently "
    "with desktop publishing software like Aldus PageMaker including versions of Lorem Ipsum."
)
UPSTREAM_CIPHERTEXT = (
    "0Mfzf6wsN8llrfX0ucDZ6nlc2+QiQfKKedjPPLu5atb2I35L9nUZeJcCnuLVW7CVW3K0h94vSuBLdXnMrj8Vcm0M09shxaoF"
    "48IcCpD03XtQbKXqk2hPbsW6+JybvplHIQGr16/PcjUSObGmR9yjf38+qEltApkKvrPjsyw43BX4eE10rL0Bln33UJD7/w+z"
    "azRDPFlAcbGtkt0ETKHnvyB3/aCddLipvrhjCXj2ZY/ktRF6h716kJRgXU10dCIQHFYU45MIdxI+k10HK3yZqhI2V0Gp2xjr"
    "FV/LRQ7/OS9SFee4asPWUYxbCEsnOzp8qc0dCPFSo1dtADzWnUZnsAcbnjtudT4milfLJc5CxDk1v3ykqQ/ajejwHjWQ7b8U"
    "6AsTErbezfdcqrb5IzkLgHb5TosnfrdDmNc9GcKfpsrCHbVY8KgNwMVdtwavLv7d9WM6sooUlZ3t0sABGkzagXQmPRvwLnkS"
    "Olie5XrnzWo8/8/4UByLga29CaXO"
)


def test_upstream_vector_decrypts() -> None:
    opened = crypto.decrypt(UPSTREAM_CIPHERTEXT, UPSTREAM_KEY)
    assert opened is not None
    plaintext, nonce = opened
    assert plaintext == UPSTREAM_PLAINTEXT
    assert nonce == base64.b64decode(UPSTREAM_CIPHERTEXT)[:12]


def test_upstream_vector_reencrypts_to_the_same_bytes() -> None:
    # external-dns compressed this with Go's deflate (dynamic Huffman block); so do we.
    nonce = base64.b64decode(UPSTREAM_CIPHERTEXT)[:12]
    assert crypto.encrypt(UPSTREAM_PLAINTEXT, UPSTREAM_KEY, nonce) == (UPSTREAM_CIPHERTEXT, nonce)


# -- GO ------------------------------------------------------------------------------------------

NONCE = bytes(range(12))
B64_KEY = "ZPitL0NGVQBZbTD6DwXJzD8RiStSazzYXQsdUowLURY="
_LONG = "heritage=external-dns" + "".join(
    f",external-dns/key-{i:02d}=value-{i * 7}-service/namespace-{i % 3}/name" for i in range(12)
)
GO_VECTORS = [
    (
        "passphrasewhichneedstobe32bytes!",
        "heritage=external-dns,external-dns/owner=default,external-dns/resource=service/default/web",
        "AAECAwQFBgcICQoLWXR8f3QFrHEQnLrP0oSVwnPF3Ia2Rc12k/6p8l0rXENxl6pULEuTF5mILua+Cz5/wNfqVftwjDAjS8CU"
        "VcK3W7gPetmSQ1sG6PbI+Y3E+QGnv5gpAHrwyLhoyLs/PQpUGNlq7iArpaY1eJY8",
    ),
    (
        B64_KEY,
        "heritage=external-dns,external-dns/owner=owner-1,external-dns/resource=ingress/default/foo-127",
        "AAECAwQFBgcICQoLd48ODCvY7SL3cEY5tmk+7CqNm1VV5N0irws18d6rha7wwF3eLNAbaYCxg5UMa0z0FU2Cux45EvctgHla"
        "x71nXpO+YvLy9HrOhF3mDeB59zHcSjHPZCeV3NQHnn2XfN4PLOCam0JPV0Z0eFBxYkNWQwCz",
    ),
    (
        "01234567890123456789012345678901",
        "heritage=external-dns,external-dns/owner=cluster-a",
        "AAECAwQFBgcICQoL5ZEatZ3pTVRElDVakYIwXdtdWJLygrL14qzkqXxgQeUt91eIwgsV8eQRfwnhY8VOmYLNObYLSKrr2b2U"
        "ZsFRQXh/CWyM9NQsG5sy8hCnDbTFHtEDOA==",
    ),
    (
        "01234567890123456789012345678901",
        _LONG,
        "AAECAwQFBgcICQoL5ZEatZ3pTVRElGvAc0LeJJvVHMjtBhIHxVevcQJBGiUF9m/YQsil6NAWL3kHdY65BwFz186qLgvRPDnw"
        "o8wwNbrLEtEZHQW+InS1BCqns0ud0et0xH/UkUpB8m4hXCusxvTqU09KVwkll4Frie1rUaLS9dC/SPv1ZG6DaOFj3N5QHqgT"
        "UFVcn3BB4BliH9idWqszQdQjTMfN/VTOuEBUbkezGczNZz12XVHqjC5ZKQ93Twlfpu3k",
    ),
]


@pytest.mark.parametrize(("key", "plaintext", "ciphertext"), GO_VECTORS)
def test_go_vectors(key: str, plaintext: str, ciphertext: str) -> None:
    aes_key = crypto.parse_key(key)
    assert crypto.encrypt(plaintext, aes_key, NONCE) == (ciphertext, NONCE)
    assert crypto.decrypt(ciphertext, aes_key) == (plaintext, NONCE)


# -- keys ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "key"),
    [
        # registry/txt/encryption_test.go TestNewTXTRegistryEncryptionConfig
        ("passphrasewhichneedstobe32bytes!", b"passphrasewhichneedstobe32bytes!"),
        (
            "ZPitL0NGVQBZbTD6DwXJzD8RiStSazzYXQsdUowLURY=",
            # [100, 248, 173, 47, ...] in encryption_test.go
            bytes.fromhex("64f8ad2f43465500596d30fa0f05c9cc3f11892b526b3cd85d0b1d528c0b5116"),
        ),
        (b"01234567890123456789012345678901", b"01234567890123456789012345678901"),
        # Go's StdEncoding skips line breaks (a key read from a file with a newline).
        ("ZPitL0NGVQBZbTD6DwXJzD8RiStSazzYXQsdUowLURY=\n", base64.b64decode(B64_KEY)),
        # 32 characters are taken raw even when they happen to be base64.
        ("QUJDREVGR0hJSktMTU5PUFFSU1RVVldY", b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldY"),
    ],
)
def test_parse_key(value: str | bytes, key: bytes) -> None:
    assert crypto.parse_key(value) == key


@pytest.mark.parametrize(
    "value",
    [
        "123456789012345678901234567890asdfasdfasdfasdfa12",  # encryption_test.go: rejected
        "short",
        "",
        "ZPitL0NGVQBZbTD6DwXJzD8RiStSazzYXQsdUowLURY",  # base64 without its padding: Go refuses it
        "ZPitL0NGVQBZbTD6DwXJzD8RiStSazzYXQsdUowLURY-",  # URL-safe alphabet: Go's StdEncoding refuses it
        base64.b64encode(bytes(16)).decode(),  # valid base64 of the wrong length
    ],
)
def test_bad_keys(value: str) -> None:
    with pytest.raises(ValueError, match="AES encryption key"):
        crypto.parse_key(value)


# -- failures are "not sealed", not errors -------------------------------------------------------

KEY = b"passphrasewhichneedstobe32bytes!"


@pytest.mark.parametrize(
    "value",
    [
        "heritage=external-dns,external-dns/owner=x",  # plain text
        "",
        "AAAA",  # base64, shorter than a nonce
        base64.b64encode(bytes(40)).decode(),  # base64, but no valid tag
        GO_VECTORS[2][2],  # sealed with another key
        GO_VECTORS[0][2][:-4],  # truncated
        "%%%%",
    ],
)
def test_decrypt_failures_return_none(value: str) -> None:
    assert crypto.decrypt(value, KEY) is None


def test_sealed_but_not_gzip_is_not_ours() -> None:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    value = base64.b64encode(NONCE + AESGCM(KEY).encrypt(NONCE, b"not gzip", None)).decode()
    assert crypto.decrypt(value, KEY) is None


def test_random_nonce_when_none_given() -> None:
    first, nonce1 = crypto.encrypt("heritage=external-dns", KEY)
    second, nonce2 = crypto.encrypt("heritage=external-dns", KEY)
    assert nonce1 != nonce2 and first != second
    assert crypto.decrypt(first, KEY) == ("heritage=external-dns", nonce1)


def test_a_nonce_or_key_of_the_wrong_size_is_refused() -> None:
    with pytest.raises(ValueError):
        crypto.encrypt("x", KEY, b"short")
    with pytest.raises(ValueError):
        crypto.encrypt("x", b"short", NONCE)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300), st.binary(min_size=12, max_size=12), st.binary(min_size=32, max_size=32))
def test_round_trip(plaintext: str, nonce: bytes, key: bytes) -> None:
    sealed, used = crypto.encrypt(plaintext, key, nonce)
    assert used == nonce
    assert crypto.decrypt(sealed, key) == (plaintext, nonce)
    # The same nonce always gives the same bytes: what makes rewrites and deletes exact.
    assert crypto.encrypt(plaintext, key, nonce)[0] == sealed
