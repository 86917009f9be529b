"""The `empty` source, and the external-dns sources zonekeeper refuses (fake, connector)."""

from __future__ import annotations

import pytest
from sourcekit import ga, ingress, service, store

from zonekeeper import live
from zonekeeper.config import ConfigError, Settings
from zonekeeper.sources import NAMES, REFUSED, collect, specs_for
from zonekeeper.sources.base import SourceConfig
from zonekeeper.sources.fqdn import EXTERNAL_DNS_SOURCES


def test_empty_reads_nothing_and_publishes_nothing() -> None:
    view = store(service(annotations=ga(hostname="s.example.com"), lb=("1.1.1.1",)),
                 ingress(hosts=("i.example.com",), lb=("2.2.2.2",)))
    result = collect(view, ["empty"], SourceConfig())
    assert (result.endpoints, result.problems) == ([], [])
    assert specs_for(["empty"], SourceConfig()) == ()
    assert live.watched_kinds(Settings.of(sources=("empty",))) == []
    # Beside another source it changes nothing.
    assert [e.name for e in collect(view, ["empty", "ingress"], SourceConfig()).endpoints] == ["i.example.com"]


@pytest.mark.parametrize(("name", "why"), [("fake", "random names"), ("connector", "connector server")])
def test_refused_sources_say_why(name: str, why: str) -> None:
    with pytest.raises(ConfigError, match=f"--source '{name}' is refused: .*{why}"):
        Settings.of(sources=("service", name)).validate()


def test_every_external_dns_source_is_either_read_or_refused() -> None:
    assert set(NAMES) | set(REFUSED) >= set(EXTERNAL_DNS_SOURCES)
    assert not set(NAMES) & set(REFUSED)

