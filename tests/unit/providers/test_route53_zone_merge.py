"""Zones listed from several AWS accounts (--aws-profile) merged into one zone list and a map from zone
to account — pure, on plain listings; no request is made (the clients are never called)."""

from __future__ import annotations

from typing import Any

import boto3

from zonekeeper.providers.base import Zone
from zonekeeper.providers.route53 import Account
from zonekeeper.providers.route53.zones import Listing, merge

A1 = Zone(id="ZALPHA1", name="alpha.example")
A2 = Zone(id="ZALPHA2", name="internal.alpha.example", private=True)
B1 = Zone(id="ZBETA1", name="beta.example")
SHARED = Zone(id="ZSHARED", name="shared.example")


def client() -> Any:
    return boto3.client("route53", region_name="us-east-1", endpoint_url="http://127.0.0.1:9",
                        aws_access_key_id="unused", aws_secret_access_key="unused")


ALPHA = Account(client(), name="alpha")
BETA = Account(client(), name="beta", role_arn="arn:aws:iam::111111111111:role/dns")


def test_each_zone_is_held_by_the_account_that_listed_it() -> None:
    merged = merge([Listing(ALPHA, (A1, A2)), Listing(BETA, (B1,))])
    assert merged.zones == (A1, A2, B1)
    assert merged.account_of == {"ZALPHA1": ALPHA, "ZALPHA2": ALPHA, "ZBETA1": BETA}
    assert merged.errors == () and merged.shared == ()


def test_a_zone_seen_from_two_profiles_is_written_with_the_first_profile_given() -> None:
    merged = merge([Listing(BETA, (SHARED, B1)), Listing(ALPHA, (A1, SHARED))])
    assert merged.zones == (SHARED, B1, A1)  # listed once
    assert merged.account_of["ZSHARED"] is BETA
    assert merged.shared == ((SHARED, BETA, ALPHA),)
    assert merged.errors == ()


def test_an_account_that_could_not_be_listed_is_reported_and_the_others_go_on() -> None:
    merged = merge([Listing(ALPHA, (A1,)), Listing(BETA, (), error="InvalidClientTokenId: The security token "
                                                                "included in the request is invalid.")])
    assert merged.zones == (A1,)
    assert merged.account_of == {"ZALPHA1": ALPHA}
    assert merged.errors == ("aws profile beta (arn:aws:iam::111111111111:role/dns): cannot list hosted zones: "
                             "InvalidClientTokenId: The security token included in the request is invalid.",)


def test_zones_known_from_an_earlier_listing_are_kept_while_their_account_fails() -> None:
    # Dropping them would send their names to another account's parent zone, if one matches.
    merged = merge([Listing(ALPHA, (A1,)), Listing(BETA, (B1,), error="AccessDenied: not authorized")])
    assert merged.zones == (A1, B1)
    assert merged.account_of["ZBETA1"] is BETA
    assert merged.errors == ("aws profile beta (arn:aws:iam::111111111111:role/dns): cannot list hosted zones: "
                             "AccessDenied: not authorized (1 zone known from an earlier listing kept)",)
