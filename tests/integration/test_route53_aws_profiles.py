"""Several AWS accounts at once (--aws-profile given twice), against one strict Route 53 endpoint that
keeps moto's per-account state: account alpha (123456789012) is reached with a static key, account beta
(111111111111) through its profile's own role (`role_arn` + `source_profile` in the AWS config file,
assumed from moto's STS on the same endpoint). The endpoint tells which account and which access key
sent every change batch, so each zone is checked to be written with its own account's credentials.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.route53 import StrictRoute53Server
from zonekeeper import wiring
from zonekeeper.config import Settings
from zonekeeper.providers.route53 import Route53Provider

pytestmark = pytest.mark.integration

ALPHA_ACCOUNT, BETA_ACCOUNT, GAMMA_ACCOUNT = "123456789012", "111111111111", "222222222222"
ALPHA_KEY, BASE_KEY, GAMMA_KEY, ALPHA2_KEY = "AKIAALPHA0000000001", "AKIABASE00000000001", "AKIAGAMMA0000000001", \
    "AKIAALPHA0000000002"
BETA_ROLE = f"arn:aws:iam::{BETA_ACCOUNT}:role/dns"

CREDENTIALS = textwrap.dedent(f"""
    [alpha]
    aws_access_key_id = {ALPHA_KEY}
    aws_secret_access_key = alpha-secret-Zr8pQm2vX
    [alpha2]
    aws_access_key_id = {ALPHA2_KEY}
    aws_secret_access_key = alpha2-secret-Lq4nWc7T
    [base]
    aws_access_key_id = {BASE_KEY}
    aws_secret_access_key = base-secret-Hd9sKf3Y
    [gammabase]
    aws_access_key_id = {GAMMA_KEY}
    aws_secret_access_key = gamma-secret-Pv6tBn1R
    """)
CONFIG = textwrap.dedent(f"""
    [default]
    region = us-east-1
    [profile beta]
    role_arn = {BETA_ROLE}
    source_profile = base
    [profile gamma]
    role_arn = arn:aws:iam::{GAMMA_ACCOUNT}:role/dns
    source_profile = gammabase
    """)


def service(name: str, hostname: str, ip: str) -> str:
    return textwrap.dedent(f"""
        apiVersion: v1
        kind: Service
        metadata:
          name: {name}
          namespace: default
          annotations:
            external-dns.kubernetes.io/hostname: {hostname}
        spec:
          type: LoadBalancer
        status:
          loadBalancer:
            ingress:
              - ip: {ip}
        """)


OBJECTS = "---\n".join([service("a", "web.alpha.example", "203.0.113.1"), service("b", "web.beta.example", "203.0.113.2"),
                        service("c", "web.gamma.example", "203.0.113.3")])


@pytest.fixture
def aws_env(route53: StrictRoute53Server, tmp_path: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir()
    (home / "credentials").write_text(CREDENTIALS)
    (home / "config").write_text(CONFIG)
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": os.environ.get("PYTHONPATH", ""),
        "HOME": str(home),
        "AWS_CONFIG_FILE": str(home / "config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_ENDPOINT_URL_ROUTE_53": route53.endpoint,
        "AWS_ENDPOINT_URL_STS": route53.endpoint,  # moto serves STS on the same endpoint
    }


@pytest.fixture
def zones(route53: StrictRoute53Server) -> dict[str, str]:
    return {"alpha": route53.create_zone("alpha.example", account_id=ALPHA_ACCOUNT),
            "beta": route53.create_zone("beta.example", account_id=BETA_ACCOUNT),
            "gamma": route53.create_zone("gamma.example", account_id=GAMMA_ACCOUNT)}


def cli() -> list[str]:
    script = Path(sys.executable).with_name("zonekeeper")
    return [str(script)] if script.exists() else [sys.executable, "-m", "zonekeeper.cli"]


def run_cli(env: dict[str, str], tmp_path: Path, *profiles: str) -> subprocess.CompletedProcess[str]:
    objects = tmp_path / "objects.yaml"
    objects.write_text(OBJECTS)
    args = [*cli(), "run", "--once", "--from-file", str(objects), "--source", "service", "--txt-owner-id", "accounts",
            "--log-format", "json", "--log-level", "debug"]
    for profile in profiles:
        args += ["--aws-profile", profile]
    return subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)


def assert_no_secret(result: subprocess.CompletedProcess[str]) -> None:
    """No key id, secret key or session token of any profile, nor of a role moto's STS issued, in the output."""
    from moto.sts.models import sts_backends

    secrets = [ALPHA_KEY, BASE_KEY, GAMMA_KEY, ALPHA2_KEY, "alpha-secret-Zr8pQm2vX", "alpha2-secret-Lq4nWc7T",
               "base-secret-Hd9sKf3Y", "gamma-secret-Pv6tBn1R"]
    for account in (BETA_ACCOUNT, GAMMA_ACCOUNT):
        for role in sts_backends[account]["aws"].assumed_roles:
            secrets += [role.access_key_id, role.secret_access_key, role.session_token]
    output = result.stdout + result.stderr
    assert "aws call" in output  # debug lines were written: the check is not vacuous
    assert [s[:8] for s in secrets if s in output] == []


def written(route53: StrictRoute53Server, zone_id: str) -> list[tuple[str, str]]:
    """(account, access key) of every change batch accepted for the zone."""
    return [(b["AccountId"], b["AccessKeyId"]) for b in route53.accepted_change_batches if b["HostedZoneId"] == zone_id]


def names(route53: StrictRoute53Server, zone_id: str, account: str) -> set[tuple[str, str]]:
    return {(r["Name"], r["Type"]) for r in route53.records(zone_id, account) if r["Type"] in ("A", "TXT")}


def test_one_run_writes_each_zone_with_its_own_accounts_credentials(
        route53: StrictRoute53Server, aws_env: dict[str, str], zones: dict[str, str], tmp_path: Path) -> None:
    result = run_cli(aws_env, tmp_path, "alpha", "beta")
    # 3: everything was applied but one name was refused: no profile reaches account gamma's zone.
    assert result.returncode == 3, result.stderr[-3000:]
    assert "web.gamma.example is not inside any managed hosted zone" in result.stderr

    assert written(route53, zones["alpha"]) == [(ALPHA_ACCOUNT, ALPHA_KEY)]
    [(account, key)] = written(route53, zones["beta"])
    # beta's key is the one moto's STS issued for the profile's role, not the source profile's key.
    assert account == BETA_ACCOUNT and key not in (BASE_KEY, ALPHA_KEY)
    assert written(route53, zones["gamma"]) == []  # no profile reaches account gamma

    assert ("web.alpha.example.", "A") in names(route53, zones["alpha"], ALPHA_ACCOUNT)
    assert ("web.beta.example.", "A") in names(route53, zones["beta"], BETA_ACCOUNT)
    # Each account listed its own zones with its own credentials.
    assert route53.counts_by_key[(ALPHA_KEY, "ListHostedZones")] == 1
    assert route53.counts_by_key[(key, "ListHostedZones")] == 1
    assert route53.counts_by_key[(BASE_KEY, "ListHostedZones")] == 0
    assert_no_secret(result)


def test_an_account_with_bad_credentials_is_reported_and_the_other_is_written(
        route53: StrictRoute53Server, aws_env: dict[str, str], zones: dict[str, str], tmp_path: Path) -> None:
    route53.deny_access_key(GAMMA_KEY)  # gamma's role cannot be assumed: its source key is refused
    result = run_cli(aws_env, tmp_path, "gamma", "alpha")
    assert result.returncode == 1, result.stderr[-3000:]
    assert (f"aws profile gamma (arn:aws:iam::{GAMMA_ACCOUNT}:role/dns): cannot list hosted zones: "
            "InvalidClientTokenId: The security token included in the request is invalid.") in result.stderr
    assert written(route53, zones["alpha"]) == [(ALPHA_ACCOUNT, ALPHA_KEY)]
    assert ("web.alpha.example.", "A") in names(route53, zones["alpha"], ALPHA_ACCOUNT)
    assert names(route53, zones["gamma"], GAMMA_ACCOUNT) == set()
    assert_no_secret(result)

    # `records` lists alpha's records and names the account it could not reach.
    listed = subprocess.run([*cli(), "records", "--txt-owner-id", "accounts", "--output", "json",
                             "--aws-profile", "gamma", "--aws-profile", "alpha"],
                            env=aws_env, capture_output=True, text=True, timeout=120)
    assert listed.returncode == 1, listed.stderr[-3000:]
    doc = json.loads(listed.stdout)
    assert [e["zone"] for e in doc["errors"]] == [None]
    assert doc["errors"][0]["error"].startswith("aws profile gamma (")
    assert "web.alpha.example" in listed.stdout


@pytest.fixture
def provider(aws_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in aws_env.items():
        if name.startswith("AWS_"):
            monkeypatch.setenv(name, value)

    def build(*profiles: str, rate: float = 4.0, **settings: Any) -> Route53Provider:
        built = wiring.build_provider(Settings.of(aws_profile=profiles, aws_rate_limit=rate, **settings))
        assert isinstance(built, Route53Provider)
        return built

    yield build


def test_a_zone_seen_from_two_profiles_is_written_with_the_first_given(
        route53: StrictRoute53Server, zones: dict[str, str], provider: Any) -> None:
    from zonekeeper.changes import Change, ChangeGroup
    from zonekeeper.endpoint import Endpoint

    for first, first_key in (("alpha2", ALPHA2_KEY), ("alpha", ALPHA_KEY)):
        route53.change_batches.clear()
        built = provider(first, "alpha" if first == "alpha2" else "alpha2")
        [zone] = built.zones()  # listed by both profiles, kept once
        assert zone.id == zones["alpha"]
        ep = Endpoint.new(f"{first}.alpha.example", "A", ["192.0.2.1"])
        group = ChangeGroup(ep.name, changes=[Change.create(ep)], records=[Change.create(ep)])
        assert not built.apply(zone, [group]).failed
        assert written(route53, zones["alpha"]) == [(ALPHA_ACCOUNT, first_key)]


def test_each_account_is_paced_by_its_own_bucket(route53: StrictRoute53Server, zones: dict[str, str],
                                                 provider: Any) -> None:
    from zonekeeper.metrics import Metrics

    built = provider("alpha", "beta", rate=1.0)
    built.metrics = metrics = Metrics()
    by_name = {z.name: z for z in built.zones()}
    alpha, beta = built.accounts
    assert alpha.bucket is not None and beta.bucket is not None
    alpha.bucket.acquire(2)  # alpha has spent its burst (2 at 1/s): its next call waits a second
    started = time.monotonic()
    built.records(by_name["beta.example"])
    beta_took = time.monotonic() - started
    started = time.monotonic()
    built.records(by_name["alpha.example"])
    alpha_took = time.monotonic() - started
    assert beta_took < 0.5 <= alpha_took, (beta_took, alpha_took)
    assert built.calls_by_account[("alpha", "ListResourceRecordSets", "ok")] == 1
    assert built.calls_by_account[("beta", "ListResourceRecordSets", "ok")] == 1
    for account in ("alpha", "beta"):
        assert metrics.registry.get_sample_value("zonekeeper_route53_api_calls_total", {
            "operation": "ListResourceRecordSets", "outcome": "ok", "account": account}) == 1


def test_an_account_failing_later_keeps_its_zones_reported_per_zone_and_is_asked_again(
        route53: StrictRoute53Server, zones: dict[str, str], provider: Any) -> None:
    from zonekeeper.providers.base import ProviderError

    denied = "InvalidClientTokenId: The security token included in the request is invalid."
    both = provider("alpha", "beta", aws_zones_cache_duration=0.0)  # every pass lists again
    assert {z.name for z in both.zones()} == {"alpha.example", "beta.example"} and both.zone_errors() == []
    route53.deny_access_key(ALPHA_KEY)
    by_name = {z.name: z for z in both.zones()}
    assert set(by_name) == {"alpha.example", "beta.example"}  # alpha's zone kept from its last listing
    assert both.zone_errors() == [f"aws profile alpha: cannot list hosted zones: {denied} "
                                  "(1 zone known from an earlier listing kept)"]
    with pytest.raises(ProviderError, match="InvalidClientTokenId"):
        both.records(by_name["alpha.example"])  # reported for alpha's zone only
    both.records(by_name["beta.example"])
    assert both.calls_by_account[("beta", "ListResourceRecordSets", "ok")] == 1
    route53.denied_keys.clear()
    both.zones()
    assert both.zone_errors() == []  # asked again, and it answered

    route53.deny_access_key(ALPHA_KEY)
    route53.deny_access_key(ALPHA2_KEY)
    with pytest.raises(ProviderError, match=r"^alpha: InvalidClientTokenId.*; alpha2: InvalidClientTokenId"):
        provider("alpha", "alpha2").zones()  # no account answers: the pass cannot start
