"""--aws-profile: one Account per profile of the shared config/credentials files, each with its own
credentials, its own token bucket and its own optional role. No request is made."""

from __future__ import annotations

from pathlib import Path

import pytest

from zonekeeper import wiring
from zonekeeper.config import ConfigError, Settings
from zonekeeper.providers.route53 import Route53Provider

ROLE = "arn:aws:iam::111111111111:role/dns"


@pytest.fixture(autouse=True)
def aws_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "credentials").write_text(
        "[alpha]\naws_access_key_id = AKIAALPHA\naws_secret_access_key = alpha-secret\n"
        "[beta]\naws_access_key_id = AKIABETA\naws_secret_access_key = beta-secret\n")
    (tmp_path / "config").write_text(
        "[default]\nregion = us-east-1\n"
        f"[profile gamma]\nrole_arn = {ROLE}\nsource_profile = alpha\n")
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                 "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def test_the_flag_is_repeatable_and_comma_separated() -> None:
    from zonekeeper.settings.provider import FLAGS

    flag = next(f for f in FLAGS if f.name == "aws-profile")
    assert flag.repeatable and flag.field == "aws_profile" and "records" in flag.commands
    assert Settings().provider.aws_profile == ()


def test_one_account_per_profile_with_its_own_credentials_and_bucket() -> None:
    accounts = wiring.aws_accounts(Settings.of(aws_profile=("alpha", "beta"), aws_rate_limit=2.0))
    assert [a.name for a in accounts] == ["alpha", "beta"]
    assert [a.session.get_credentials().access_key for a in accounts] == ["AKIAALPHA", "AKIABETA"]
    buckets = [a.bucket for a in accounts]
    assert None not in buckets and buckets[0] is not buckets[1]  # Route 53 throttles each account apart
    assert accounts[0].client is not accounts[1].client


def test_a_profile_given_twice_is_one_account() -> None:
    accounts = wiring.aws_accounts(Settings.of(aws_profile=("alpha", "beta", "alpha")))
    assert [a.name for a in accounts] == ["alpha", "beta"]


def test_no_profile_is_the_default_credential_chain_as_one_account() -> None:
    for profiles in ((), ("",)):  # external-dns's default is one empty profile
        accounts = wiring.aws_accounts(Settings.of(aws_profile=profiles))
        assert [a.name for a in accounts] == ["default"]


def test_a_profiles_own_role_and_the_flags_role_on_top() -> None:
    own = wiring.aws_accounts(Settings.of(aws_profile=("gamma", "beta")))
    assert [a.role_arn for a in own] == [ROLE, ""]
    on_top = "arn:aws:iam::222222222222:role/zonekeeper"
    both = wiring.aws_accounts(Settings.of(aws_profile=("gamma", "beta"), aws_assume_role=on_top))
    assert [a.role_arn for a in both] == [on_top, on_top]


def test_an_unknown_profile_is_a_configuration_error_naming_it() -> None:
    with pytest.raises(ConfigError, match=r"--aws-profile 'delta': no such profile .*config.*credentials"):
        wiring.aws_accounts(Settings.of(aws_profile=("alpha", "delta")))


def test_the_provider_holds_every_account() -> None:
    provider = wiring.build_provider(Settings.of(aws_profile=("alpha", "beta")))
    assert isinstance(provider, Route53Provider)
    assert [a.name for a in provider.accounts] == ["alpha", "beta"]


def test_every_profiles_static_keys_are_masked_in_logs_before_any_is_used() -> None:
    from zonekeeper import logs

    # gamma's source profile (alpha) is signed with by botocore's own STS client, outside our hook.
    wiring.aws_accounts(Settings.of(aws_profile=("gamma",)))
    masked = logs.redact("keys AKIAALPHA alpha-secret AKIABETA beta-secret")
    assert all(word not in masked for word in ("AKIAALPHA", "alpha-secret", "AKIABETA", "beta-secret")), masked
