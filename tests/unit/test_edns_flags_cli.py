"""Every flag external-dns v0.23.0 defines, through the real `zonekeeper run` command line: parsed
(never click's "No such option"), booleans in kingpin's four spellings, EXTERNAL_DNS_* variables
read (ZONEKEEPER_* winning), refused flags exiting 64 with their name, mapped flags logging one line.

The flag list is external-dns's own (zonekeeper.settings.edns_flags, generated from its source), not
the CLI's: a flag missing from the CLI fails here."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any
from unittest import mock

import click
import pytest
from click.testing import CliRunner, Result

from zonekeeper import cli
from zonekeeper.settings.edns_flags import FLAGS as EDNS

# A run that needs no cluster and no AWS: the example objects against the in-memory provider.
OFFLINE = ["--from-file", "examples/cluster.yaml", "--provider", "inmemory", "--inmemory-zone", "example.com",
           "--txt-owner-id", "t", "--metrics-address", ""]
SAMPLE = {"string": "x", "int": "7", "duration": "1m", "repeatable": "x"}
BY_NAME = {f.name: f for f in EDNS}


def _value(name: str) -> list[str]:
    flag = BY_NAME[name]
    if flag.kind == "bool":
        return [flag.option]
    return [flag.option, flag.choices[-1] if flag.choices else SAMPLE[flag.kind]]


def _clean_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("ZONEKEEPER_", "EXTERNAL_DNS_"))}
    return {**kept, **(env or {})}


def parse(args: Sequence[str], env: Mapping[str, str] | None = None) -> click.Context:
    """`zonekeeper run <args>` parsed as the binary parses it (no pass is run)."""
    with mock.patch.dict(os.environ, _clean_env(env), clear=True):
        return cli.run.make_context("run", list(args))


def invoke(args: Sequence[str], env: Mapping[str, str] | None = None) -> Result:
    with mock.patch.dict(os.environ, _clean_env(env), clear=True):
        return CliRunner().invoke(cli.main, ["run", "--once", "--dry-run", *args])


def test_the_table_is_external_dns_v0_23_0() -> None:
    assert len(EDNS) == 180
    assert {"google-project", "provider-cache-time", "txt-owner-id", "events", "source"} <= set(BY_NAME)


@pytest.mark.parametrize("name", sorted(BY_NAME))
def test_every_external_dns_flag_parses(name: str) -> None:
    ctx = parse([*OFFLINE, *_value(name)])
    given = {k for k, v in ctx.params.items()
             if ctx.get_parameter_source(k) == click.core.ParameterSource.COMMANDLINE}
    assert given, f"--{name} set nothing"


BOOLEANS = sorted(f.name for f in EDNS if f.kind == "bool")


@pytest.mark.parametrize("name", BOOLEANS)
def test_every_boolean_takes_kingpins_four_forms(name: str) -> None:
    def value(arg: str) -> Any:
        ctx = parse([*OFFLINE, arg])
        (param,) = [p for p in ctx.command.params if f"--{name}" in getattr(p, "opts", ())]
        return ctx.params[param.name or ""]

    assert value(f"--{name}") is True
    assert value(f"--no-{name}") is False
    assert value(f"--{name}=true") is True
    assert value(f"--{name}=false") is False


def test_a_boolean_with_another_value_is_a_usage_error() -> None:
    result = invoke([*OFFLINE, "--aws-prefer-cname=maybe"])
    assert result.exit_code == 64, result.output
    assert "--aws-prefer-cname" in result.output


def test_external_dns_environment_variables_are_read_and_ours_win() -> None:
    settings = cli._settings(dict(parse(OFFLINE, {"EXTERNAL_DNS_TXT_PREFIX": "edns-",
                                                  "EXTERNAL_DNS_AWS_PREFER_CNAME": "true"}).params))
    assert settings.registry.txt_prefix == "edns-"
    assert settings.provider.aws_prefer_cname is True
    settings = cli._settings(dict(parse(OFFLINE, {"EXTERNAL_DNS_TXT_PREFIX": "edns-",
                                                  "ZONEKEEPER_TXT_PREFIX": "zk-"}).params))
    assert settings.registry.txt_prefix == "zk-"


def test_repeatable_flags_in_the_environment_split_on_newlines_as_kingpin_does() -> None:
    # kingpin splits the variable of a repeatable flag on newlines; commas are ours on top.
    env = {"EXTERNAL_DNS_DOMAIN_FILTER": "a.example.com\nb.example.com",
           "EXTERNAL_DNS_EXCLUDE_DOMAINS": "x.example.com,y.example.com"}
    settings = cli._settings(dict(parse(OFFLINE, env).params))
    assert settings.domains.domain_filter == ("a.example.com", "b.example.com")
    assert settings.domains.exclude_domains == ("x.example.com", "y.example.com")


def test_a_refused_flag_in_the_environment_is_refused_too() -> None:
    result = invoke(OFFLINE, {"EXTERNAL_DNS_GOOGLE_PROJECT": "p"})
    assert result.exit_code == 64, result.output
    assert "--google-project belongs to the google provider; zonekeeper supports only --provider=aws" \
        in result.output


def test_a_refused_flag_exits_64_naming_itself() -> None:
    result = invoke([*OFFLINE, "--cloudflare-proxied"])
    assert result.exit_code == 64, result.output
    assert "--cloudflare-proxied belongs to the cloudflare provider" in result.output
    assert "No such option" not in result.output


def test_refused_flags_at_their_defaults_run_with_one_warning_each() -> None:
    """As a Helm chart renders them: the run goes on, each flag logged once as a warning."""
    args = [*OFFLINE, "--oci-zone-scope=GLOBAL", "--no-cloudflare-proxied", "--google-batch-change-size=1000"]
    result = invoke(args, {"EXTERNAL_DNS_PDNS_SERVER": "http://localhost:8081"})
    assert result.exit_code in (0, 3), result.output
    for shown in ("--oci-zone-scope=GLOBAL ", "--cloudflare-proxied=false ", "--google-batch-change-size=1000 ",
                  "--pdns-server=http://localhost:8081 "):
        lines = [line for line in result.output.splitlines() if shown in line]
        assert len(lines) == 1 and "warn" in lines[0].lower(), (shown, result.output)
    result = invoke([*OFFLINE, "--google-batch-change-size=999"])
    assert result.exit_code == 64, result.output
    assert "--google-batch-change-size belongs to the google provider" in result.output


def test_another_provider_is_refused_with_our_message() -> None:
    result = invoke(["--from-file", "examples/cluster.yaml", "--provider=google"])
    assert result.exit_code == 64, result.output
    assert "--provider=google is not supported: zonekeeper supports only --provider=aws" in result.output


def test_provider_cache_time_sets_the_record_cache_unless_that_flag_is_given() -> None:
    settings = cli._settings(dict(parse([*OFFLINE, "--provider-cache-time", "1m"]).params))
    assert settings.provider.aws_records_cache_duration == 60.0
    both = [*OFFLINE, "--provider-cache-time", "1m", "--aws-records-cache-duration", "10m"]
    settings = cli._settings(dict(parse(both).params))
    assert settings.provider.aws_records_cache_duration == 600.0


def test_mapped_flags_log_one_line_each() -> None:
    args = [*OFFLINE, "--events", "--provider-cache-time=1m", "--aws-batch-change-interval", "2s",
            "--request-timeout=10s"]
    result = invoke(args)
    assert result.exit_code in (0, 3), result.output  # 3: the examples hold names left alone on purpose
    lines = result.output.splitlines()
    for shown in ("--events=true:", "--provider-cache-time=1m:", "--aws-batch-change-interval=2s:",
                  "--request-timeout=10s:"):
        assert len([line for line in lines if shown in line]) == 1, (shown, result.output)
    assert "--aws-records-cache-duration" in next(line for line in lines if "--provider-cache-time=1m:" in line)


def test_no_mapping_line_without_a_mapped_flag() -> None:
    result = invoke(OFFLINE)
    assert result.exit_code in (0, 3), result.output
    assert "zonekeeper always reconciles" not in result.output


def test_kube_api_request_timeout_is_ours_and_the_deprecated_request_timeout_fills_it() -> None:
    settings = cli._settings(dict(parse([*OFFLINE, "--kube-api-request-timeout", "10s"]).params))
    assert settings.source.kube_api_request_timeout == 10.0
    settings = cli._settings(dict(parse([*OFFLINE, "--request-timeout", "15s"]).params))
    assert settings.source.kube_api_request_timeout == 15.0
    both = [*OFFLINE, "--request-timeout", "15s", "--kube-api-request-timeout", "10s"]
    assert cli._settings(dict(parse(both).params)).source.kube_api_request_timeout == 10.0


def test_server_reaches_the_kube_settings() -> None:
    settings = cli._settings(dict(parse([*OFFLINE, "--server", "https://10.0.0.1:6443"]).params))
    assert settings.source.server == "https://10.0.0.1:6443"
    assert cli._settings(dict(parse(OFFLINE).params)).source.server == ""
