"""Settings by stage: each group's flag table covers its fields exactly, flags read their values as
their fields are typed, and the composed Settings routes flat names to the right group."""

from __future__ import annotations

from dataclasses import fields

import click
import pytest
from click.testing import CliRunner

from zonekeeper import cli, config
from zonekeeper.config import FLAGS, ConfigError, Settings
from zonekeeper.settings.flag import env_name, format_duration, parse_duration


def _group_fields() -> dict[str, type]:
    defaults = Settings()
    out: dict[str, type] = {}
    for group in fields(Settings):
        value = getattr(defaults, group.name)
        for f in fields(value):
            assert f.name not in out, f"{f.name} is declared in two groups"
            out[f.name] = type(getattr(value, f.name))
    return out


def test_every_field_has_exactly_one_flag_and_every_flag_a_field() -> None:
    by_field = [flag.field for flag in FLAGS]
    assert len(by_field) == len(set(by_field))
    assert set(by_field) == set(_group_fields())
    names = [flag.name for flag in FLAGS]
    assert len(names) == len(set(names))


def test_a_flags_kind_matches_its_fields_type() -> None:
    types = _group_fields()
    expected = {"bool": bool, "int": int, "float": float, "duration": float, "str": str, "path": str}
    for flag in FLAGS:
        if flag.repeatable:
            assert types[flag.field] is tuple, flag.name
        elif types[flag.field] is type(None):
            # A tri-state boolean: None is "not given", told apart from an explicit =false.
            assert flag.kind == "bool" and flag.negatable, flag.name
        else:
            assert types[flag.field] is expected[flag.kind], flag.name
        assert not flag.negatable or flag.kind == "bool", flag.name


def test_flag_names_are_the_fields_in_kebab_case_except_the_plural_lists() -> None:
    # external-dns spells --source and --from-file singular; our fields hold all the values given.
    plural = {"source": "sources", "from-file": "from_files"}
    for flag in FLAGS:
        assert flag.field == plural.get(flag.name, flag.name.replace("-", "_")), flag.name


def test_environment_names() -> None:
    assert env_name("--txt-owner-id") == "ZONEKEEPER_TXT_OWNER_ID"
    assert {f.name: f.env for f in FLAGS}["aws-zone-tags"] == "ZONEKEEPER_AWS_ZONE_TAGS"


@pytest.mark.parametrize(("seconds", "text"), [(3600.0, "1h"), (300.0, "5m"), (60.0, "1m"), (15.0, "15s"),
                                               (0.2, "200ms"), (0.0, "0"), (90.0, "90s")])
def test_duration_defaults_are_shown_as_go_durations(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text
    assert parse_duration(text) == pytest.approx(seconds)


def test_of_routes_flat_names_to_their_groups() -> None:
    s = Settings.of(txt_owner_id="a", aws_region="eu-west-1", interval=5.0, sources=("crd",), policy="upsert-only")
    assert s.registry.txt_owner_id == "a" and s.provider.aws_region == "eu-west-1"
    assert s.controller.interval == 5.0 and s.source.sources == ("crd",) and s.plan.policy == "upsert-only"
    assert s.serving == Settings().serving  # untouched groups keep their defaults
    with pytest.raises(TypeError, match="no field 'once'"):
        Settings.of(once=True)


def test_the_aes_key_stays_out_of_the_repr() -> None:
    assert "s3cret" not in repr(Settings.of(txt_encrypt_aes_key="s3cret"))


def test_each_group_validates_itself() -> None:
    with pytest.raises(ConfigError, match="--txt-prefix and --txt-suffix are mutually exclusive"):
        Settings.of(txt_prefix="a", txt_suffix="b").registry.validate()
    with pytest.raises(ConfigError, match="--aws-batch-change-size must be between 1 and 1000"):
        Settings.of(aws_batch_change_size=0).provider.validate()
    Settings.of(aws_batch_change_size=0).registry.validate()  # not the registry's business


def test_source_names_come_from_the_source_registry() -> None:
    from zonekeeper.sources import SOURCES

    assert tuple(SOURCES) == config.SOURCES
    with pytest.raises(ConfigError, match="--source 'nope' is not supported"):
        Settings.of(sources=("nope",)).validate()


def test_negatable_booleans_take_their_no_form() -> None:
    seen: dict[str, object] = {}

    @click.command()
    @cli._flag_options("run")
    def probe(**params: object) -> None:
        seen.update(params)

    result = CliRunner().invoke(probe, ["--no-emit-events", "--no-aws-evaluate-target-health", "--leader-elect"])
    assert result.exit_code == 0, result.output
    assert seen["emit_events"] is False and seen["aws_evaluate_target_health"] is False
    assert seen["leader_elect"] is True
    result = CliRunner().invoke(probe, [], env={"ZONEKEEPER_EMIT_EVENTS": "false", "ZONEKEEPER_INTERVAL": "2m"})
    assert result.exit_code == 0, result.output
    assert seen["emit_events"] is False and seen["interval"] == 120.0


def test_records_takes_only_what_reaching_zones_needs() -> None:
    records = {p.name for p in cli.main.commands["records"].params}  # type: ignore[attr-defined]
    assert "txt_owner_id" in records and "aws_endpoint_url" in records and "log_format" in records
    assert not {"sources", "policy", "interval", "leader_elect", "metrics_address"} & records


@pytest.mark.parametrize("server", ["192.0.2.1", "127.0.0.1:5353", "[2001:db8::1]:53", "2001:db8::1"])
def test_drift_nameservers_are_addresses(server: str) -> None:
    Settings.of(drift_nameserver=(server,)).validate()


@pytest.mark.parametrize("server", ["ns-1.awsdns-01.com", "192.0.2.1:", "1.2.3.4:53:1"])
def test_a_drift_nameserver_that_is_not_an_address_is_refused(server: str) -> None:
    with pytest.raises(ConfigError, match="--drift-nameserver"):
        Settings.of(drift_nameserver=(server,)).validate()


def test_events_emit_takes_external_dns_event_types() -> None:
    seen: dict[str, object] = {}

    @click.command()
    @cli._flag_options("run")
    def probe(**params: object) -> None:
        seen.update(params)

    result = CliRunner().invoke(probe, ["--events-emit", "RecordReady", "--events-emit", "RecordDeleted,RecordError"])
    assert result.exit_code == 0, result.output
    assert cli._settings({"events_emit": seen["events_emit"]}).controller.events_emit == (
        "RecordReady", "RecordDeleted", "RecordError")
    assert Settings().controller.events_emit == ()
    with pytest.raises(ConfigError, match=r"--events-emit.*RecordCreated.*RecordReady, RecordDeleted, RecordError"):
        Settings.of(events_emit=("RecordReady", "RecordCreated")).validate()
