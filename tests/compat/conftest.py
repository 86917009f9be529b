"""The compatibility suite: external-dns v0.23.0 itself beside zonekeeper (see tests/support/external_dns.py)."""

from tests.support.external_dns_fixtures import controllers, external_dns  # noqa: F401
