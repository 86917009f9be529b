"""Shared fixtures: the strict Route 53 endpoint and the real kube-apiserver + etcd."""

pytest_plugins = ["tests.support.route53_fixtures", "tests.support.kube_fixtures"]
