"""A TXT value that names a label more than once: parsed as external-dns parses it (the last value
wins), and every value kept so the registry can refuse an owner named twice."""

from __future__ import annotations

from zonekeeper.registry import crypto, labels

KEY = b"passphrasewhichneedstobe32bytes!"
TWO_OWNERS = '"heritage=external-dns,external-dns/owner=other,external-dns/owner=c1,external-dns/resource=r"'


def test_a_repeated_label_keeps_every_value_and_the_last_wins() -> None:
    parsed = labels.parse(TWO_OWNERS)
    assert parsed == {"owner": "c1", "resource": "r"}
    assert parsed is not None and parsed.repeated == {"owner": ["other", "c1"]}


def test_a_value_without_repeats_has_none() -> None:
    parsed = labels.parse('"heritage=external-dns,external-dns/owner=c1,external-dns/resource=r"')
    assert parsed is not None and parsed.repeated == {}


def test_the_same_value_twice_is_still_recorded() -> None:
    parsed = labels.parse('"heritage=external-dns,external-dns/owner=c1,external-dns/owner=c1"')
    assert parsed is not None and parsed.repeated == {"owner": ["c1", "c1"]}


def test_repeats_survive_sealing() -> None:
    sealed, _ = crypto.encrypt(TWO_OWNERS.strip('"'), KEY)
    parsed = labels.parse(f'"{sealed}"', aes_key=KEY)
    assert parsed is not None and parsed["owner"] == "c1"
    assert parsed.repeated == {"owner": ["other", "c1"]}


def test_values_without_repeats_share_no_table_and_one_with_repeats_gets_its_own() -> None:
    from zonekeeper.registry import labels as labels_module

    plain = labels_module.parse('"heritage=external-dns,external-dns/owner=cluster-one,external-dns/resource=service/ns/x"')
    other = labels_module.parse('"heritage=external-dns,external-dns/owner=b"')
    twice = labels_module.parse('"heritage=external-dns,external-dns/owner=a,external-dns/owner=b"')
    assert plain is not None and other is not None and twice is not None
    assert dict(plain.repeated) == {} and dict(other.repeated) == {}
    assert dict(twice.repeated) == {"owner": ["a", "b"]} and dict(plain.repeated) == {}
    # The owner (and every key) is one string however many values name it.
    again = labels_module.parse('"heritage=external-dns,external-dns/owner=cluster-one"')
    assert again is not None and again["owner"] is plain["owner"]
