"""Each external-dns flag is classified exactly once (same meaning, mapped, refused), the refused set
is computed so a new settings row leaves it by itself, our defaults differ from external-dns's only
where DEFAULT_DIFFERENCES says why, and the committed table is what the generator reads from source."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from zonekeeper import config
from zonekeeper.settings import compat
from zonekeeper.settings.edns_flags import FLAGS as EDNS
from zonekeeper.settings.flag import ConfigError, Flag, format_duration, parse_duration

ROOT = Path(__file__).resolve().parents[2]
MODULE = Path("/root/go/pkg/mod/sigs.k8s.io/external-dns@v0.23.0")


def test_each_flag_is_in_exactly_one_class() -> None:
    classes = [{f.name for f in c} for c in (compat.same(), compat.mapped(), compat.refused())]
    every = {f.name for f in EDNS}
    assert sum(len(c) for c in classes) == len(every) == 180
    assert set().union(*classes) == every
    for i, a in enumerate(classes):
        for b in classes[i + 1:]:
            assert not a & b


def test_every_mapped_entry_is_an_external_dns_flag_we_have_no_row_for() -> None:
    every = {f.name for f in EDNS}
    for entry in compat.MAPPED:
        assert entry.name in every, entry.name
        assert entry.name not in compat.ours(), f"--{entry.name} has a settings row now: drop it from MAPPED"
        assert not entry.field or entry.field in {f.field for f in config.FLAGS}, entry.field


def test_the_refused_set_is_computed_from_the_settings_rows(monkeypatch: Any) -> None:
    assert "google-project" in {f.name for f in compat.refused()}
    row = Flag("google-project", "google_project", "A project.")
    monkeypatch.setattr(config, "FLAGS", (*config.FLAGS, row))
    assert "google-project" not in {f.name for f in compat.refused()}
    assert "google-project" in {f.name for f in compat.same()}


def _ours_default(flag: Flag) -> Any:
    value = config.default(flag.field)
    return format_duration(value) if flag.kind == "duration" else value


def _edns_default(flag: Flag) -> Any:
    edns = compat.by_name()[flag.name]
    if edns.kind == "duration":
        return format_duration(parse_duration(str(edns.default).replace("m0s", "m")))
    return edns.default


def test_our_defaults_are_external_dns_s_except_where_we_say_why() -> None:
    rows = {f.name: f for f in config.FLAGS}
    differ = {f.name for f in compat.same() if f.name in rows
              and _ours_default(rows[f.name]) != _edns_default(rows[f.name])}
    assert differ == set(compat.DEFAULT_DIFFERENCES)


def test_refusals_name_the_flag_and_what_is_unsupported() -> None:
    flags = compat.by_name()
    assert compat.refusal(flags["google-project"]) == \
        "--google-project belongs to the google provider; zonekeeper supports only --provider=aws"
    assert compat.refusal(flags["zone-name-filter"]).startswith("--zone-name-filter belongs to the azure provider")
    assert compat.refusal(flags["crd-registry-namespace"]).startswith(
        "--crd-registry-namespace belongs to the crd registry; zonekeeper supports --registry=txt")
    assert "connector-source-server" not in {f.name for f in compat.refused()}  # read since connector is
    for flag in compat.refused():
        assert compat.refusal(flag).startswith(flag.option), flag.name


def test_resolve_refuses_every_refused_flag_given_and_maps_the_rest() -> None:
    with pytest.raises(ConfigError) as info:
        compat.resolve({"google-project": "p", "events": True, "cloudflare-proxied": True})
    assert "--google-project" in str(info.value) and "--cloudflare-proxied" in str(info.value)
    out = compat.resolve({"txt-cache-interval": "5m", "provider-cache-time": "1m", "events": True})
    assert out.values == {"aws_records_cache_duration": 60.0}  # two onto one field: the smaller
    assert [n.split(":")[0] for n in out.notes] == ["--txt-cache-interval=5m", "--provider-cache-time=1m",
                                                    "--events=true"]
    assert compat.resolve({"provider-cache-time": "1m"}, frozenset({"aws_records_cache_duration"})).values == {}
    with pytest.raises(ConfigError, match="--provider-cache-time"):
        compat.resolve({"provider-cache-time": "soon"})


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("edns_flags_gen", ROOT / "scripts/external_dns_tables/flags.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not (MODULE / "pkg/apis/externaldns/types.go").exists(), reason="external-dns source absent")
def test_the_committed_table_is_what_the_generator_reads_from_the_source() -> None:
    gen = _generator()
    assert gen.render(gen.rows(MODULE), "v0.23.0") == (ROOT / "src/zonekeeper/settings/edns_flags.py").read_text()


def test_the_generator_splits_go_arguments_and_reads_defaults() -> None:
    gen = _generator()
    assert gen.split_args('"a, b", fmt.Sprintf("%s", x), []string{"c", "d"}, &cfg.X') == \
        ['"a, b"', 'fmt.Sprintf("%s", x)', '[]string{"c", "d"}', "&cfg.X"]
    defaults = {"Interval": "time.Minute", "Timeout": "time.Second * 30", "Off": "0 * time.Second"}
    assert gen.go_value("defaultConfig.Interval", defaults, "duration") == "1m0s"
    assert gen.go_value("defaultConfig.Timeout", defaults, "duration") == "30s"
    assert gen.go_value("defaultConfig.Off", defaults, "duration") == "0s"
    assert gen.go_value("defaultConfig.Missing", defaults, "bool") is False
    with pytest.raises(SystemExit, match="unknown Go default"):
        gen.go_value("someFunc()", defaults, "string")


def test_a_refused_flag_at_external_dns_s_default_is_accepted_with_one_warning() -> None:
    """A Helm chart renders every value: a refused flag at external-dns's default changes nothing there
    either, so it is a warning, each kind read as external-dns reads it."""
    given = {"google-batch-change-size": "1000", "cloudflare-proxied": False,
             "rfc2136-min-ttl": "0", "webhook-provider-url": "http://localhost:8888", "oci-zone-scope": "GLOBAL",
             "events": True}
    out = compat.resolve(given)
    assert [w.split(" ")[0] for w in out.warnings] == [
        "--google-batch-change-size=1000", "--cloudflare-proxied=false",
        "--rfc2136-min-ttl=0", "--webhook-provider-url=http://localhost:8888", "--oci-zone-scope=GLOBAL"]
    assert "belongs to the google provider; zonekeeper supports only --provider=aws" in out.warnings[0]
    assert [n.split(":")[0] for n in out.notes] == ["--events=true"]  # a mapped flag stays a note


@pytest.mark.parametrize(("name", "value"), [
    ("google-batch-change-size", "999"), ("cloudflare-proxied", True),
    ("rfc2136-min-ttl", "1s"), ("oci-zone-scope", "PRIVATE"), ("google-batch-change-size", "many"),
])
def test_a_refused_flag_off_its_default_still_fails_naming_what_is_unsupported(name: str, value: Any) -> None:
    with pytest.raises(ConfigError) as info:
        compat.resolve({name: value})
    assert str(info.value) == compat.refusal(compat.by_name()[name])
