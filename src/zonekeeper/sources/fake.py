"""external-dns v0.23.0's `fake` source, record for record: for each of --fqdn-template's names
(default `example.com`, rendered over a placeholder Pod `default/fake`), one endpoint of every record
type external-dns knows, its random labels and addresses drawn from Go's math/rand seeded 9673
(`sources.gorand`) in external-dns's order — pure.

The generator is state: external-dns draws from one generator for the life of the process, so each
pass publishes new names. `Generator.next_pass()` is one such pass (the caller decides what a pass is).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Sequence

from zonekeeper.endpoint import RESOURCE_LABEL, Endpoint
from zonekeeper.sources import fqdn
from zonekeeper.sources.base import Source
from zonekeeper.sources.gorand import GoRand

SEED = 9673
DEFAULT_NAME = "example.com"
SET_IDENTIFIER = "fake"
# endpoint.KnownRecordTypes, in external-dns's order (the order of the draws).
RECORD_TYPES = ("A", "AAAA", "CNAME", "TXT", "SRV", "NS", "PTR", "MX", "NAPTR", "DNAME", "TLSA")
FAKE_POD = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "fake", "namespace": "default"}}
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
# Registered with no parts: it reads no objects (sources.fake_generator gives its records).
SOURCE = Source("fake", ())
_TXT = '"heritage=external-dns,external-dns/owner=fake"'


def dns_names(template: fqdn.FqdnTemplate | None) -> list[str]:
    """The names the source publishes under; ValueError names the template that fails (external-dns
    refuses to start then)."""
    if template is None:
        return [DEFAULT_NAME]
    names, problems = fqdn.hostnames(template, FAKE_POD, "fake", "fake source")
    if problems:
        raise ValueError(f"--source=fake: rendering {template.flag} {template.text!r}: {problems[0].message}")
    return names or [DEFAULT_NAME]


class Generator:
    """One external-dns fake source: its names and its one generator."""

    __slots__ = ("_names", "_rng")

    def __init__(self, names: Sequence[str]) -> None:
        self._names = tuple(names)
        self._rng = GoRand(SEED)

    def _label(self, length: int, name: str) -> str:
        return "".join(_LETTERS[self._rng.intn(len(_LETTERS))] for _ in range(length)) + "." + name

    def _ipv4(self) -> str:
        return f"192.0.2.{self._rng.intn(253) + 1}"

    def _ipv6(self) -> str:
        high = self._rng.intn(0xFFFF) + 1
        return f"2001:db8::{high:x}:{self._rng.intn(0xFFFF) + 1:x}"

    def _targets(self, draw: Callable[[], str]) -> list[str]:
        return [draw() for _ in self._names]

    def _one(self, record_type: str, name: str) -> tuple[str, list[str]]:
        # Each branch draws exactly what external-dns's generateEndpointForType draws, in its order.
        if record_type == "A":
            return self._label(4, name), self._targets(self._ipv4)
        if record_type == "AAAA":
            return self._label(4, name), self._targets(self._ipv6)
        if record_type in ("CNAME", "DNAME"):
            owner = self._label(4, name)
            return owner, [self._label(4, name)]
        if record_type == "TXT":
            return self._label(4, name), [_TXT]
        if record_type == "SRV":
            return f"_sip._udp.{name}", [f"10 20 5060 {self._label(4, name)}."]
        if record_type == "NS":
            return name, [self._label(3, name)]
        if record_type == "PTR":
            target = self._label(4, name)
            return ipaddress.ip_address(self._ipv4()).reverse_pointer, [target]
        if record_type == "MX":
            return name, [f"10 {self._label(4, name)}"]
        if record_type == "NAPTR":
            return f"_sip._udp.{name}", [f'100 10 "u" "E2U+sip" "!^.*$!sip:info@{name}!" .']
        return f"_443._tcp.{name}", ["3 1 1 " + "ab" * 32]

    def next_pass(self) -> list[Endpoint]:
        """The endpoints of one external-dns Endpoints() call (advancing the generator), merged as
        endpoint.MergeEndpoints merges them."""
        merged: dict[tuple[str, str, str], list[str]] = {}
        for name in self._names:
            for record_type in RECORD_TYPES:
                owner, targets = self._one(record_type, name)
                # CNAME and DNAME are never merged (a second target is its own endpoint in external-dns).
                key = (owner, record_type, targets[0] if record_type in ("CNAME", "DNAME") else "")
                merged.setdefault(key, []).extend(targets)
        return [Endpoint.new(owner, record_type, targets, set_identifier=SET_IDENTIFIER,
                             labels={RESOURCE_LABEL: f"fake/default/{owner}"})
                for (owner, record_type, _), targets in merged.items()]
