"""--annotation-prefix and --enable-legacy-annotation-prefix: which prefixes are read, in which order,
and that the choice flows as data through every reader (no global)."""

from __future__ import annotations

import pytest
from sourcekit import ALPHA, GA, service, store

from zonekeeper import annotations as ann
from zonekeeper.config import ConfigError, Settings
from zonekeeper.kube import resources
from zonekeeper.sources import service as source
from zonekeeper.sources.base import SourceConfig, SourceResult
from zonekeeper.sources.objects import SERVICES
from zonekeeper.wiring import source_config

SHARD_A = "shard-a.example.org/"
SHARD_B = "shard-b.example.org/"


@pytest.mark.parametrize(("prefix", "legacy", "expected"), [
    ("", None, (GA, ALPHA)),          # zonekeeper's default: both, GA first
    ("", True, (GA, ALPHA)),
    ("", False, (GA,)),               # external-dns v0.23's default
    (GA, None, (GA,)),                # given explicitly: exactly that prefix
    (SHARD_A, None, (SHARD_A,)),
    (SHARD_A, False, (SHARD_A,)),
    (SHARD_A, True, (SHARD_A, ALPHA)),  # the configured prefix wins over the legacy one
    (ALPHA, None, (ALPHA,)),
])
def test_prefixes_for(prefix: str, legacy: bool | None, expected: tuple[str, ...]) -> None:
    assert ann.prefixes_for(prefix, legacy) == expected


@pytest.mark.parametrize(("prefix", "legacy", "message"), [
    ("shard-a", None, "must end with '/'"),
    (ALPHA, True, "starts with the legacy prefix"),
    (ALPHA + "x/", True, "starts with the legacy prefix"),
])
def test_bad_prefix_flags_are_config_errors(prefix: str, legacy: bool | None, message: str) -> None:
    settings = Settings.of(annotation_prefix=prefix, enable_legacy_annotation_prefix=legacy)
    with pytest.raises(ConfigError, match=message):
        settings.validate()


def test_the_settings_reach_the_source_config() -> None:
    settings = Settings.of(annotation_prefix=SHARD_A, enable_legacy_annotation_prefix=True)
    assert source_config(settings).annotation_prefixes == (SHARD_A, ALPHA)
    assert source_config(Settings()).annotation_prefixes == (GA, ALPHA)


def _sharded() -> list[dict[str, object]]:
    return [
        service("a", annotations={SHARD_A + "hostname": "a.example.com", SHARD_A + "ttl": "60"}, lb=("192.0.2.1",)),
        service("b", annotations={SHARD_B + "hostname": "b.example.com"}, lb=("192.0.2.2",)),
        service("plain", annotations={GA + "hostname": "plain.example.com"}, lb=("192.0.2.3",)),
    ]


Row = tuple[str, str, tuple[str, ...], int]


def rows(result: SourceResult) -> list[Row]:
    return sorted((e.name, e.type, tuple(e.targets), e.ttl) for e in result.endpoints)


def _run(config: SourceConfig) -> list[Row]:
    view = store(*_sharded())
    found: list[Row] = []
    for svc in view.list(SERVICES):
        found += rows(source.endpoints(svc, view, config))
    return sorted(found)


def test_each_shard_reads_only_its_own_prefix() -> None:
    assert _run(SourceConfig(annotation_prefixes=(SHARD_A,))) == [("a.example.com", "A", ("192.0.2.1",), 60)]
    assert _run(SourceConfig(annotation_prefixes=(SHARD_B,))) == [("b.example.com", "A", ("192.0.2.2",), 0)]
    assert _run(SourceConfig()) == [("plain.example.com", "A", ("192.0.2.3",), 0)]


def test_legacy_prefix_is_read_after_the_configured_one() -> None:
    svc = service(annotations={ALPHA + "hostname": "old.example.com", ALPHA + "ttl": "30", SHARD_A + "ttl": "90",
                               ALPHA + "aws-weight": "5"}, lb=("192.0.2.1",))
    config = SourceConfig(annotation_prefixes=(SHARD_A, ALPHA))
    result = source.endpoints(svc, store(svc), config)
    assert rows(result) == [("old.example.com", "A", ("192.0.2.1",), 90)]
    assert result.endpoints[0].provider_specific == (("aws/weight", "5"),)
    # Without the legacy prefix the object has no name of ours.
    assert source.endpoints(svc, store(svc), SourceConfig(annotation_prefixes=(SHARD_A,))).endpoints == []


def test_external_dns_default_ignores_the_legacy_prefix() -> None:
    svc = service(annotations={ALPHA + "hostname": "old.example.com"}, lb=("192.0.2.1",))
    assert source.endpoints(svc, store(svc), SourceConfig(annotation_prefixes=(GA,))).endpoints == []
    assert rows(source.endpoints(svc, store(svc), SourceConfig())) == [("old.example.com", "A", ("192.0.2.1",), 0)]


def test_every_reader_takes_the_prefixes() -> None:
    obj = service(annotations={SHARD_A + "controller": "other", SHARD_A + "set-identifier": "eu",
                               SHARD_A + "access": "private", SHARD_A + "target": "192.0.2.9"})
    mine = (SHARD_A,)
    assert not ann.controller_matches(obj, "dns-controller", prefixes=mine)
    assert ann.controller_matches(obj, "dns-controller", prefixes=ann.PREFIXES)
    assert ann.read_common(obj, "s", prefixes=mine).set_identifier == "eu"
    assert ann.choice(obj, ann.ACCESS, ("public", "private"), "s", prefixes=mine) == ("private", [])
    assert ann.has_targets(obj, prefixes=mine) and not ann.has_targets(obj, prefixes=ann.PREFIXES)
    assert ann.targets(obj, "s", prefixes=mine) == (["192.0.2.9"], [])


def test_a_problem_names_the_annotation_under_its_own_prefix() -> None:
    obj = service(annotations={SHARD_A + "ttl": "soon"})
    _, problems = ann.ttl(obj, "service/default/web", prefixes=(SHARD_A,))
    assert [p.message.split(":")[0] for p in problems] == [f"annotation {SHARD_A}ttl"]


def test_the_informer_keeps_our_annotations_under_any_prefix() -> None:
    raw = service(annotations={SHARD_A + "hostname": "a.example.com", SHARD_A + "aws-weight": "1",
                               "kubectl.kubernetes.io/last-applied-configuration": "{}", "other/unrelated": "x"})
    kept = resources.slim(SERVICES, raw)["metadata"]["annotations"]
    assert kept == {SHARD_A + "hostname": "a.example.com", SHARD_A + "aws-weight": "1"}


def test_the_informer_keeps_every_annotation_when_asked() -> None:
    raw = service(annotations={SHARD_A + "hostname": "a.example.com", "team": "web"})
    assert resources.slim(SERVICES, raw, keep_all_annotations=True)["metadata"]["annotations"] == {
        SHARD_A + "hostname": "a.example.com", "team": "web"}
    from zonekeeper import live

    assert live.keeps_all_annotations(Settings.of(fqdn_template=("{{.Name}}.example.com",)))
    assert live.keeps_all_annotations(Settings.of(annotation_filter="team=web"))
    assert not live.keeps_all_annotations(Settings())
