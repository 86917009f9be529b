"""endpoint.is_ipv4 is a shortcut for ipaddress.IPv4Address: it must agree with it on every string."""

from __future__ import annotations

import ipaddress
import itertools

from hypothesis import given
from hypothesis import strategies as st

from zonekeeper.endpoint import is_ipv4


def reference(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True


OCTETS = ["0", "00", "01", "1", "9", "10", "99", "100", "199", "200", "249", "250", "255", "256", "260", "300",
          "999", "1000", "-1", "+1", " 1", "1 ", "", "a", "\u0661", "0x1", "\u00b2"]


def test_agrees_with_ipaddress_on_octet_edges() -> None:
    for a, b in itertools.product(OCTETS, repeat=2):
        for text in (f"{a}.{b}.1.2", f"1.2.{a}.{b}", f"{a}.{b}.1", f"1.2.3.{a}.{b}", f"{a}.1.2.3\n"):
            assert is_ipv4(text) == reference(text), text


def test_plain_addresses() -> None:
    assert is_ipv4("10.0.0.1") and is_ipv4("255.255.255.255") and is_ipv4("0.0.0.0")
    assert not is_ipv4("10.0.0.01") and not is_ipv4("10.0.0.256") and not is_ipv4("10.0.0") and not is_ipv4("::1")


@given(st.text(alphabet="0123456789.\u0663 x\n", max_size=20))
def test_agrees_with_ipaddress_on_any_text(text: str) -> None:
    assert is_ipv4(text) == reference(text)
