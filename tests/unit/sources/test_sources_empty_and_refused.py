"""The `empty` source, the object-less sources (fake, connector), and the external-dns sources
zonekeeper refuses (none since connector is read)."""

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


def test_connector_is_accepted_and_watches_nothing() -> None:
    Settings.of(sources=("service", "connector")).validate()
    assert REFUSED == {}
    assert specs_for(["connector"], SourceConfig()) == ()
    assert live.watched_kinds(Settings.of(sources=("connector",))) == []
    assert Settings.of(sources=("connector",)).source.connector_source_server == "localhost:8080"


def test_every_external_dns_source_is_either_read_or_refused() -> None:
    assert set(NAMES) | set(REFUSED) >= set(EXTERNAL_DNS_SOURCES)
    assert not set(NAMES) & set(REFUSED)



def test_fake_is_accepted_reads_nothing_and_checks_its_template() -> None:
    Settings.of(sources=("fake",)).validate()
    assert specs_for(["fake"], SourceConfig()) == ()
    assert live.watched_kinds(Settings.of(sources=("fake",))) == []
    assert {e.type for e in collect(store(), ["fake"], SourceConfig()).endpoints} >= {"A", "AAAA", "CNAME"}
    with pytest.raises(ConfigError, match="--source=fake: rendering --fqdn-template"):
        Settings.of(sources=("fake",), fqdn_template=("{{.Spec.nothing.deeper}}",)).validate()
