"""--fqdn-target-template and --target-template with external-dns v0.23's semantics: the cases of its
service_fqdn_test.go / node_fqdn_test.go (host:target pairs, the combine rule, a Node's own name
replaced), on plain objects."""

from __future__ import annotations

from typing import Any

import pytest
from sourcekit import ga, node, pod, service, store

from zonekeeper.config import ConfigError, Settings
from zonekeeper.endpoint import RESOURCE_LABEL
from zonekeeper.sources import fqdn
from zonekeeper.sources import node as node_source
from zonekeeper.sources import pod as pod_source
from zonekeeper.sources import service as service_source
from zonekeeper.sources.base import SourceConfig
from zonekeeper.wiring import source_config


def config(template: str, *, combine: bool = False, **extra: Any) -> SourceConfig:
    return SourceConfig(fqdn_target_template=fqdn.compile_templates((template,), fqdn.TARGET_FLAG),
                        combine_fqdn_annotation=combine, publish_internal_services=True, **extra)


def rows(result: Any) -> list[tuple[str, str, tuple[str, ...], int]]:
    return sorted((e.name, e.type, e.targets, e.ttl) for e in result.endpoints)


SVC = service("web", "prod", type="ClusterIP", cluster_ip="10.0.0.10")
ANNOTATED = service("web", "prod", type="ClusterIP", cluster_ip="10.0.0.10",
                    annotations=ga(hostname="annotated.example.com"))


@pytest.mark.parametrize(("template", "expected"), [
    ("{{.Name}}.example.com:1.2.3.4", [("web.example.com", "A", ("1.2.3.4",), 0)]),
    ("{{.Name}}.example.com:lb.example.com", [("web.example.com", "CNAME", ("lb.example.com",), 0)]),
    ("{{.Kind | toLower}}.{{.Name}}.example.com:1.2.3.4", [("service.web.example.com", "A", ("1.2.3.4",), 0)]),
    ("{{.Name}}.{{.APIVersion}}.example.com:1.2.3.4", [("web.v1.example.com", "A", ("1.2.3.4",), 0)]),
    ("{{.Name}}.example.com", []),                                    # no ":": skipped
    ("{{.Name}}.example.com:", []),                                    # an empty side: skipped
    ("a.example.com:2001:db8::1,a.example.com:192.0.2.1,a.example.com:192.0.2.2",
     [("a.example.com", "A", ("192.0.2.1", "192.0.2.2"), 0), ("a.example.com", "AAAA", ("2001:db8::1",), 0)]),
])
def test_a_service_without_records_gets_the_pairs(template: str, expected: list[Any]) -> None:
    assert rows(service_source.endpoints(SVC, store(SVC), config(template))) == expected


def test_annotation_records_win_unless_combined() -> None:
    template = "{{.Name}}.tmpl.example.com:lb.example.com"
    own = [("annotated.example.com", "A", ("10.0.0.10",), 0)]
    assert rows(service_source.endpoints(ANNOTATED, store(ANNOTATED), config(template))) == own
    assert rows(service_source.endpoints(ANNOTATED, store(ANNOTATED), config(template, combine=True))) == [
        *own, ("web.tmpl.example.com", "CNAME", ("lb.example.com",), 0)]


def test_pairs_come_before_the_fqdn_template_which_then_names_nothing() -> None:
    both = config("{{.Name}}.pair.example.com:192.0.2.9",
                  fqdn_template=fqdn.compile_templates(("{{.Name}}.fqdn.example.com",)))
    assert rows(service_source.endpoints(SVC, store(SVC), both)) == [("web.pair.example.com", "A", ("192.0.2.9",), 0)]


def test_a_node_is_not_named_after_itself_unless_combining() -> None:
    n = node("node-1", external=("203.0.113.5",))
    template = "{{.Name}}.tmpl.example.com:lb.example.com"
    assert rows(node_source.endpoints(n, store(n), config(template))) == [
        ("node-1.tmpl.example.com", "CNAME", ("lb.example.com",), 0)]
    assert rows(node_source.endpoints(n, store(n), config(template, combine=True))) == [
        ("node-1", "A", ("203.0.113.5",), 0), ("node-1.tmpl.example.com", "CNAME", ("lb.example.com",), 0)]



def test_pairs_carry_no_resource_label_as_external_dns_s_bare_endpoints() -> None:
    n = node("node-1", external=("203.0.113.5",))
    found = node_source.endpoints(n, store(n), config("{{.Name}}.tmpl.example.com:192.0.2.7", combine=True))
    assert sorted((e.name, e.label(RESOURCE_LABEL)) for e in found.endpoints) == [
        ("node-1", "node/node-1"), ("node-1.tmpl.example.com", "")]
    found = service_source.endpoints(SVC, store(SVC), config("{{.Name}}.example.com:192.0.2.7"))
    assert [e.label(RESOURCE_LABEL) for e in found.endpoints] == [""]
    p = pod("api-0", "prod")
    found = pod_source.endpoints(p, store(p), config("{{.Name}}.pods.example.com:192.0.2.7")).endpoints
    assert [(e.name, e.targets, e.label(RESOURCE_LABEL)) for e in found] == [
        ("api-0.pods.example.com", ("192.0.2.7",), "")]


def test_a_bad_host_or_target_is_a_problem_naming_the_flag() -> None:
    found = service_source.endpoints(SVC, store(SVC), config("bad_host!.example.com:192.0.2.1,ok.example.com:x y"))
    assert found.endpoints == []
    assert len(found.problems) == 2 and all(p.subject == "service/prod/web" for p in found.problems)
    assert any("--fqdn-target-template" in p.message for p in found.problems)  # the bad host
    assert any("'x y'" in p.message for p in found.problems)  # the bad target


@pytest.mark.parametrize("field", ["fqdn_target_template", "target_template"])
def test_a_template_that_does_not_parse_is_a_config_error_naming_its_flag(field: str) -> None:
    with pytest.raises(ConfigError, match="--" + field.replace("_", "-") + r"\[0\]"):
        Settings.of(**{field: ("{{ .Name ",)}).validate()


def test_target_template_is_read_by_none_of_our_sources() -> None:
    """external-dns reads it in its gloo/traefik/f5/unstructured sources only: same records without it."""
    settings = Settings.of(target_template=("192.0.2.99",), fqdn_template=("{{.Name}}.example.com",))
    with_it = source_config(settings)
    without = source_config(Settings.of(fqdn_template=("{{.Name}}.example.com",)))
    obj = service("web", "prod", lb=("192.0.2.1",))
    assert rows(service_source.endpoints(obj, store(obj), with_it)) == \
        rows(service_source.endpoints(obj, store(obj), without)) == [("web.example.com", "A", ("192.0.2.1",), 0)]
