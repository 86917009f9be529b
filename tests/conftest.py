"""Shared fixtures: the strict Route 53 endpoint (and, for the live-cluster tests, kube-apiserver)."""

from tests.support.route53_fixtures import route53, route53_client, strict_route53_server  # noqa: F401
