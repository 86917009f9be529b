"""TXT values, compared byte for byte with what external-dns writes (endpoint/labels.go and the
values in its registry tests)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from zonekeeper.registry import crypto, labels

KEY = b"passphrasewhichneedstobe32bytes!"


@pytest.mark.parametrize(
    ("items", "value"),
    [
        (
            {"owner": "cluster1", "resource": "service/default/web"},
            '"heritage=external-dns,external-dns/owner=cluster1,external-dns/resource=service/default/web"',
        ),
        # Keys sorted; "ownedRecord" sorts before "owner" (byte order, upper case first).
        (
            {"resource": "ingress/default/foo-127", "owner": "owner-1", "ownedRecord": "foo.example.org"},
            '"heritage=external-dns,external-dns/ownedRecord=foo.example.org,'
            'external-dns/owner=owner-1,external-dns/resource=ingress/default/foo-127"',
        ),
        ({"owner": "owner-2"}, '"heritage=external-dns,external-dns/owner=owner-2"'),
        ({}, '"heritage=external-dns"'),
        ({"owner": ""}, '"heritage=external-dns,external-dns/owner="'),
        # Upper case sorts before lower case, as with Go's sort.Strings.
        (
            {"b": "1", "B": "2", "a": "3"},
            '"heritage=external-dns,external-dns/B=2,external-dns/a=3,external-dns/b=1"',
        ),
    ],
)
def test_serialize(items: dict[str, str], value: str) -> None:
    assert labels.serialize(items) == value
    assert labels.serialize(list(items.items())) == value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (
            '"heritage=external-dns,external-dns/owner=cluster1,external-dns/resource=service/default/web"',
            {"owner": "cluster1", "resource": "service/default/web"},
        ),
        # Unquoted, and order does not matter when reading.
        ("external-dns/owner=x,heritage=external-dns", {"owner": "x"}),
        # Only heritage: owned by nobody in particular, but ours to read.
        ('"heritage=external-dns"', {}),
        # Other heritage, or none: an ordinary TXT record.
        ('"heritage=mate,external-dns/owner=x"', None),
        ('"external-dns/owner=x"', None),
        ('"v=spf1 include:_spf.example.com ~all"', None),
        ("", None),
        # A second heritage token with another value spoils the record, as in external-dns.
        ('"heritage=external-dns,heritage=other,external-dns/owner=x"', None),
        # Tokens without "=" are skipped, not errors; a value keeps every "=" after the first.
        (
            '"heritage=external-dns,junk,external-dns/owner=x,external-dns/resource=crd/ns/a=b"',
            {"owner": "x", "resource": "crd/ns/a=b"},
        ),
        ('"heritage=external-dns,external-dns/owner=team=platform"', {"owner": "team=platform"}),
        ('"heritage=external-dns,external-dns/owner=="', {"owner": "="}),
        # Keys from other tools are ignored.
        ('"heritage=external-dns,other/owner=x,external-dns/owner=y"', {"owner": "y"}),
        # external-dns checks the prefix without its slash: `external-dnsfoo` is kept whole.
        ('"heritage=external-dns,external-dnsfoo=bar"', {"external-dnsfoo": "bar"}),
        # Several leading/trailing quotes all go, like strings.Trim.
        ('""heritage=external-dns,external-dns/owner=q""', {"owner": "q"}),
    ],
)
def test_parse(value: str, expected: dict[str, str] | None) -> None:
    assert labels.parse(value) == expected


_KEY_CHARS = st.text(st.characters(codec="utf-8", exclude_characters=',="/'), min_size=1, max_size=12)
# Values may hold "=": only the first "=" of a token separates key and value.
_VALUE_CHARS = st.text(st.characters(codec="utf-8", exclude_characters=',"'), max_size=30)


@given(st.dictionaries(_KEY_CHARS, _VALUE_CHARS, max_size=6))
def test_round_trip(items: dict[str, str]) -> None:
    assert labels.parse(labels.serialize(items)) == items


@pytest.mark.parametrize("owner", ["a=b", "=", "team=platform=x", "a=="])
def test_an_owner_with_equals_signs_round_trips(owner: str) -> None:
    # Read wrongly, an owner containing "=" would make our own records look unowned.
    value = labels.serialize({"owner": owner, "resource": "ingress/default/web"})
    assert labels.parse(value) == {"owner": owner, "resource": "ingress/default/web"}
    assert labels.parse(labels.serialize({"owner": owner}, aes_key=KEY), aes_key=KEY) is not None


def test_sealed_round_trip_keeps_the_nonce_and_the_bytes() -> None:
    items = {"owner": "cluster1", "resource": "service/default/web"}
    sealed = labels.serialize(items, aes_key=KEY)
    assert sealed.startswith('"') and sealed.endswith('"') and "heritage" not in sealed
    read = labels.parse(sealed, aes_key=KEY)
    assert read is not None
    opened = crypto.decrypt(sealed.strip('"'), KEY)
    assert opened is not None
    assert read.nonce == opened[1]
    # Serialising what was read with its nonce gives back the very same value: no churn, exact deletes.
    assert labels.serialize(read, aes_key=KEY, nonce=read.nonce) == sealed
    assert read == items  # the nonce is not a label


def test_sealed_value_matches_external_dns() -> None:
    # Go: EncryptText(SerializePlain(false), key, nonce) for this label set (see test_crypto.py).
    items = {
        "owner": "default",
        "resource": "service/default/web",
    }
    assert labels.serialize(items, aes_key=KEY, nonce=bytes(range(12))) == (
        '"AAECAwQFBgcICQoLWXR8f3QFrHEQnLrP0oSVwnPF3Ia2Rc12k/6p8l0rXENxl6pULEuTF5mILua+Cz5/wNfqVftwjDAj'
        'S8CUVcK3W7gPetmSQ1sG6PbI+Y3E+QGnv5gpAHrwyLhoyLs/PQpUGNlq7iArpaY1eJY8"'
    )


def test_plain_values_are_read_when_a_key_is_set() -> None:
    plain = '"heritage=external-dns,external-dns/owner=x"'
    assert labels.parse(plain, aes_key=KEY) == {"owner": "x"}


def test_values_sealed_with_another_key_are_not_ours() -> None:
    sealed = labels.serialize({"owner": "x"}, aes_key=b"01234567890123456789012345678901")
    assert labels.parse(sealed, aes_key=KEY) is None
