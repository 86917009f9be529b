"""The account is a value the provider holds per zone; zones listed from no account are refused.

No request is made: the clients point at a closed port and are never called.
"""

from __future__ import annotations

import time
from typing import Any

import boto3
import pytest

from zonekeeper.providers.base import ProviderError, Zone
from zonekeeper.providers.route53 import Account, Route53Options, Route53Provider
from zonekeeper.providers.route53.zones import ZoneDirectory
from zonekeeper.ratelimit import TokenBucket

ZONE = Zone(id="Z0EXAMPLE", name="example.com")


def client() -> Any:
    return boto3.client("route53", region_name="us-east-1", endpoint_url="http://127.0.0.1:9",
                        aws_access_key_id="unused", aws_secret_access_key="unused")


def test_one_client_is_one_default_account_with_its_bucket() -> None:
    c, bucket = client(), TokenBucket(4.0, 5)
    provider = Route53Provider(c, bucket=bucket)
    assert provider.accounts == (Account(c, name="default", bucket=bucket),)


def test_a_client_or_accounts_but_not_both_nor_neither() -> None:
    c = client()
    with pytest.raises(ValueError, match="either a client or accounts"):
        Route53Provider(c, accounts=[Account(c)])
    with pytest.raises(ValueError, match="either a client or accounts"):
        Route53Provider()


def test_with_one_account_every_zone_is_in_it() -> None:
    only = Account(client())
    directory = ZoneDirectory([only], Route53Options(), None, time.monotonic)
    assert directory.account(ZONE) is only  # even a zone never listed


def test_with_several_accounts_a_zone_never_listed_is_refused() -> None:
    accounts = [Account(client(), name="prod"), Account(client(), name="dns", role_arn="arn:aws:iam::1:role/zk")]
    directory = ZoneDirectory(accounts, Route53Options(), None, time.monotonic)
    with pytest.raises(ProviderError) as refused:
        directory.account(ZONE)
    assert str(refused.value) == ("zone example.com (Z0EXAMPLE, public) is in none of the accounts "
                                  "prod, dns (arn:aws:iam::1:role/zk)")
