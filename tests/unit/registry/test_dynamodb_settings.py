"""--registry=dynamodb and --migrate-from-txt-owner: what the settings accept and what wiring builds."""

from __future__ import annotations

from typing import Any

import pytest

from zonekeeper import wiring
from zonekeeper.config import ConfigError, Settings
from zonekeeper.providers.inmemory import InMemoryProvider
from zonekeeper.registry.dynamodb import DynamoDBRegistry
from zonekeeper.registry.txt import TXTRegistry


@pytest.mark.parametrize(("values", "message"), [
    ({"registry": "dynamodb", "txt_owner_id": ""}, "--txt-owner-id must not be empty with --registry=dynamodb"),
    ({"registry": "dynamodb", "dynamodb_table": ""}, "--dynamodb-table must not be empty"),
    ({"txt_owner_id": "a", "migrate_from_txt_owner": "a"}, "--migrate-from-txt-owner must differ"),
])
def test_settings_that_cannot_work_are_refused(values: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Settings.of(**values).validate()


@pytest.fixture
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in {"AWS_ACCESS_KEY_ID": "t", "AWS_SECRET_ACCESS_KEY": "t", "AWS_DEFAULT_REGION": "eu-west-1"}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


@pytest.mark.parametrize(("values", "region"), [
    ({}, "eu-west-1"),  # the AWS region of the environment
    ({"aws_region": "us-west-2"}, "us-west-2"),
    ({"aws_region": "us-west-2", "dynamodb_region": "ap-south-1"}, "ap-south-1"),
])
def test_the_dynamodb_registry_reads_its_table_in_its_region(aws_env: None, values: dict[str, Any],
                                                             region: str) -> None:
    settings = Settings.of(registry="dynamodb", txt_owner_id="c1", dynamodb_table="dns-owners", **values)
    registry = wiring.build_registry(settings, InMemoryProvider(["example.com"]))
    assert isinstance(registry, DynamoDBRegistry)
    assert registry.owner_id == "c1" and registry.table.name == "dns-owners"
    assert registry.table.client.meta.region_name == region
    assert registry.table.client.meta.service_model.service_name == "dynamodb"


def test_the_txt_registry_gets_the_old_owner_id(aws_env: None) -> None:
    settings = Settings.of(txt_owner_id="new", migrate_from_txt_owner="old")
    registry = wiring.build_registry(settings, InMemoryProvider(["example.com"]))
    assert isinstance(registry, TXTRegistry) and registry.old_owner_id == "old"


def test_a_desired_txt_record_holding_an_ownership_value_is_refused() -> None:
    from zonekeeper.endpoint import Endpoint
    from zonekeeper.registry.dynamodb import DynamoDBTable

    provider = InMemoryProvider(["example.com"])
    registry = DynamoDBRegistry(provider, "c1", DynamoDBTable(None, "external-dns"))  # the table is not read
    forged = Endpoint.new("a-app.example.com", "TXT", ['"heritage=external-dns,external-dns/owner=c1"'])
    plain = Endpoint.new("note.example.com", "TXT", ['"v=1"'])
    ok, problems = registry.check_desired(provider.zones()[0], [forged, plain])
    assert ok == [plain]
    assert [(p.reason, p.subject) for p in problems] == [("TXTValueReserved", "a-app.example.com TXT")]
