"""--alias-annotation=external-dns: the `alias` annotation read as external-dns v0.23 reads it (only the
exact value `true` sets the property; `false`, `A`, `AAAA` and anything else are ignored, so a load
balancer hostname becomes an alias A/AAAA as external-dns writes it, not a CNAME)."""

from __future__ import annotations

import pytest
from sourcekit import ga, ingress, service, store

from zonekeeper import annotations as ann
from zonekeeper.config import ConfigError, Settings
from zonekeeper.sources import SOURCES, run_one
from zonekeeper.sources.base import SourceConfig
from zonekeeper.wiring import source_config

LB = "k8s-web-0123456789.elb.us-east-1.amazonaws.com"
EXTERNAL_DNS = SourceConfig(alias_true_only=True)


@pytest.mark.parametrize(("value", "zonekeeper", "external_dns"), [
    ("true", "true", "true"),
    ("false", "false", None),
    ("A", "A", None),
    ("True", "true", None),   # external-dns compares the exact text
])
def test_alias_values(value: str, zonekeeper: str | None, external_dns: str | None) -> None:
    obj = service(annotations=ga(alias=value, aws_weight="3"))
    mine, _ = ann.provider_specific(obj, "s", prefixes=ann.PREFIXES)
    theirs, problems = ann.provider_specific(obj, "s", prefixes=ann.PREFIXES, alias_true_only=True)
    assert mine.get("alias") == zonekeeper
    assert theirs.get("alias") == external_dns
    assert theirs["aws/weight"] == "3" and problems == []


def test_an_invalid_alias_value_is_ignored_not_reported_in_external_dns_mode() -> None:
    obj = service(annotations=ga(alias="yes"))
    assert [p.reason for p in ann.provider_specific(obj, "s", prefixes=ann.PREFIXES)[1]] == ["InvalidAnnotation"]
    assert ann.provider_specific(obj, "s", prefixes=ann.PREFIXES, alias_true_only=True) == ({}, [])


@pytest.mark.parametrize("source", ["service", "ingress"])
def test_sources_read_the_mode_from_their_config(source: str) -> None:
    if source == "service":
        obj = service(annotations=ga(hostname="web.example.com", alias="false"), lb=(LB,))
    else:
        obj = ingress(hosts=("web.example.com",), annotations=ga(alias="false"), lb=(LB,))
    ours = run_one(SOURCES[source].only, obj, store(obj), SourceConfig())
    theirs = run_one(SOURCES[source].only, obj, store(obj), EXTERNAL_DNS)
    assert [dict(e.provider_specific).get("alias") for e in ours.endpoints] == ["false"]
    assert [dict(e.provider_specific).get("alias") for e in theirs.endpoints] == [None]


def test_the_flag() -> None:
    assert source_config(Settings.of(alias_annotation="external-dns")).alias_true_only
    assert not source_config(Settings()).alias_true_only
    with pytest.raises(ConfigError, match="--alias-annotation"):
        Settings.of(alias_annotation="both").validate()
