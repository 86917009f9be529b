"""--fqdn-template / --combine-fqdn-annotation / --ignore-hostname-annotation, with external-dns v0.23's
semantics: the Go template subset (each example of its FQDN templating guide), how several values join,
and when a source uses the template's names."""

from __future__ import annotations

from typing import Any

import pytest
from sourcekit import ga, gateway, httproute, ingress, istio_gateway, listener, records, service, store, virtual_service

from zonekeeper.config import ConfigError, Settings
from zonekeeper.sources import fqdn
from zonekeeper.sources import gateway_httproute as httproute_source
from zonekeeper.sources import ingress as ingress_source
from zonekeeper.sources import istio_gateway as istio_gateway_source
from zonekeeper.sources import istio_virtualservice as istio_vs_source
from zonekeeper.sources import service as service_source
from zonekeeper.sources.base import SourceConfig

SUBJECT = "service/prod/web"


def svc_obj(**extra: Any) -> dict[str, Any]:
    obj = service("web", "prod", annotations={"dns.example.com/hostname": "x.example.com", "dns": "y"},
                  selector={"app": "shop"}, lb=("192.0.2.1",))
    obj["metadata"]["labels"] = {"app": "shop", "env": "prod", "region": "eu"}
    obj.update(extra)
    return obj


def names(template: str, obj: dict[str, Any] | None = None, source: str = "service") -> list[str]:
    compiled = fqdn.compile_templates((template,))
    assert compiled is not None
    found, problems = fqdn.hostnames(compiled, svc_obj() if obj is None else obj, source, SUBJECT)
    assert problems == []
    return found


@pytest.mark.parametrize(("template", "expected"), [
    ("{{.Name}}.example.com", ["web.example.com"]),
    ("{{ .Name }}.{{ .Namespace }}.example.tld", ["web.prod.example.tld"]),
    ("{{ .Labels.env }}.{{ .Name }}.example.com", ["prod.web.example.com"]),
    ('{{ or .Annotations.dns "invalid" }}.example.com', ["y.example.com"]),
    ('{{ or .Labels.nothing "invalid" }}.example.com', ["invalid.example.com"]),
    ('{{ index .ObjectMeta.Annotations "dns.example.com/hostname" }}', ["x.example.com"]),
    ('{{ index .Annotations "dns.example.com/hostname" }}', ["x.example.com"]),
    ('{{ if eq .Kind "Service" }}{{ .Name }}.svc.example.com{{ end }}'
     '{{ if eq .Kind "Pod" }}{{ .Name }}.pod.example.com{{ end }}', ["web.svc.example.com"]),
    ('{{ if isSource "traefik-proxy" }}{{ .Name }}.proxy.example.com{{ end }}'
     '{{ if isSource "service" }}{{ .Name }}.svc.example.com{{ end }}', ["web.svc.example.com"]),
    ('{{ if eq .Spec.Type "LoadBalancer" }}{{ .Name }}.lb.example.com{{ end }}', ["web.lb.example.com"]),
    ('{{ if index .Spec.Selector "app" }}{{ .Name }}.{{ index .Spec.Selector "app" }}.example.com{{ end }}',
     ["web.shop.example.com"]),
    ('{{ range $key, $value := .Labels }}{{ if contains $key "app" }}{{ $.Name }}.{{ $value }}.example.com'
     '{{ printf "," }}{{ end }}{{ end }}', ["web.shop.example.com"]),
    ('{{ range $k, $v := .Annotations }}{{ if and (contains $k "dns.") (contains $v "example.com") }}{{ $v }}'
     '{{ printf "," }}{{ end }}{{ end }}', ["x.example.com"]),
    ('{{ .Name }}.{{ .Labels.env }}.{{ .Labels.region }}.example.com, '
     '{{ if eq .Labels.env "prod" }}{{ .Name }}.my-company.tld{{ end }}',
     ["web.my-company.tld", "web.prod.eu.example.com"]),  # sorted, as external-dns returns them
    ('{{ if hasKey .Labels "app" }}{{ .Name }}.{{ index .Labels "app" }}.example.com{{ end }}',
     ["web.shop.example.com"]),
    ('{{ if hasKey .Labels "tier" }}{{ .Name }}.example.com{{ end }}', []),
    ('{{ .Name | replace "e" "a" | toLower }}.example.com', ["wab.example.com"]),
    ('{{ trimSuffix "shop-svc" "-svc" }}.{{ trimPrefix "x-eu" "x-" }}.example.com.', ["shop.eu.example.com"]),
    ("{{ with .Labels.app }}{{ . }}.example.com{{ else }}none.example.com{{ end }}", ["shop.example.com"]),
    ("{{ with .Labels.gone }}{{ . }}.example.com{{ else }}none.example.com{{ end }}", ["none.example.com"]),
    ('{{ if eq .Labels.env "dev" }}dev{{ else if eq .Labels.env "prod" }}prod{{ else }}x{{ end }}.example.com',
     ["prod.example.com"]),
    ("{{/* a comment */}}{{- .Name -}}.example.com", ["web.example.com"]),
])
def test_external_dns_guide_templates(template: str, expected: list[str]) -> None:
    assert names(template) == expected


def test_from_json_range_and_break() -> None:
    node = {"apiVersion": "v1", "kind": "Node", "metadata": {
        "name": "n1", "labels": {"records": '[{"dns": "b.example.com"}, {"dns": "a.example.com"}]'}},
        "status": {"addresses": [{"type": "InternalIP", "address": "10.0.0.1"},
                                 {"type": "ExternalIP", "address": "198.51.100.7"},
                                 {"type": "ExternalIP", "address": "198.51.100.8"}]}}
    assert names('{{ if hasKey .Labels "records" }}{{ range $entry := (index .Labels "records" | fromJson) }}'
                 '{{ index $entry "dns" }},{{ end }}{{ end }}', node) == ["a.example.com", "b.example.com"]
    assert names('{{range .Status.Addresses}}{{if and (eq .Type "ExternalIP") (isIPv4 .Address)}}'
                 '{{.Address | replace "." "-"}}{{break}}{{end}}{{end}}.example.com', node) == [
        "198-51-100-7.example.com"]


def test_several_values_join_with_commas_and_repeats_are_dropped() -> None:
    compiled = fqdn.compile_templates(("{{.Name}}.example.com", "{{.Name}}.svc.example.com", "",
                                       "{{.Name}}.example.com"))
    assert compiled is not None and compiled.text == "{{.Name}}.example.com,{{.Name}}.svc.example.com"
    assert fqdn.hostnames(compiled, svc_obj(), "service", SUBJECT) == (
        ["web.example.com", "web.svc.example.com"], [])
    assert fqdn.compile_templates(("", " ")) is None


@pytest.mark.parametrize(("values", "message"), [
    (("{{name}}.uat.example.com",), "--fqdn-template[0] '{{name}}.uat.example.com': function 'name' not defined"),
    (("{{.Name}}.a.com", "{{ .Name "), "--fqdn-template[1] '{{ .Name ': unclosed action"),
    (("{{ if .Name }}x",), "missing {{end}}"),
    (('{{ template "t" }}',), "{{template}} is not supported"),
    (('{{ define "t" }}x{{ end }}',), "{{define}} is not supported"),
    (("{{ .Name | html }}",), "'html' is not supported"),
])
def test_unsupported_or_broken_templates_are_config_errors(values: tuple[str, ...], message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        Settings.of(fqdn_template=values).validate()
    assert message in str(raised.value)


def test_a_missing_key_or_failing_template_is_a_problem_naming_the_template() -> None:
    compiled = fqdn.compile_templates(("{{ .Labels.missing }}.example.com",))
    assert compiled is not None
    found, problems = fqdn.hostnames(compiled, svc_obj(), "service", SUBJECT)
    assert found == []
    assert [(p.reason, p.message.split(": invalid hostname")[0]) for p in problems] == [
        ("InvalidHostname", "--fqdn-template '{{ .Labels.missing }}.example.com'")]
    compiled = fqdn.compile_templates(('{{ if isSource "bogus" }}x{{ end }}',))
    assert compiled is not None
    found, problems = fqdn.hostnames(compiled, svc_obj(), "service", SUBJECT)
    assert found == [] and [p.reason for p in problems] == ["TemplateError"]
    assert "unknown source 'bogus'" in problems[0].message


# --- sources ------------------------------------------------------------------------------------

TEMPLATED = SourceConfig(fqdn_template=fqdn.compile_templates(("{{.Name}}.{{.Namespace}}.example.com",)))


def svc_records(obj: dict[str, Any], config: SourceConfig) -> list[str]:
    return records(service_source.endpoints(obj, store(obj), config))


def test_service_without_annotation_is_named_by_the_template() -> None:
    plain = service("web", "prod", lb=("192.0.2.1",))
    assert svc_records(plain, SourceConfig()) == []
    assert svc_records(plain, TEMPLATED) == records(service_source.endpoints(
        service("web", "prod", annotations=ga(hostname="web.prod.example.com"), lb=("192.0.2.1",)),
        store(), SourceConfig()))


def test_annotation_names_win_over_the_template_unless_combined() -> None:
    named = service("web", "prod", annotations=ga(hostname="own.example.com"), lb=("192.0.2.1",))
    assert [r.split()[0] for r in svc_records(named, TEMPLATED)] == ["own.example.com"]
    combined = SourceConfig(fqdn_template=TEMPLATED.fqdn_template, combine_fqdn_annotation=True)
    assert [r.split()[0] for r in svc_records(named, combined)] == ["own.example.com", "web.prod.example.com"]
    ignoring = SourceConfig(fqdn_template=TEMPLATED.fqdn_template, ignore_hostname_annotation=True)
    assert [r.split()[0] for r in svc_records(named, ignoring)] == ["web.prod.example.com"]
    assert svc_records(named, SourceConfig(ignore_hostname_annotation=True)) == []


def test_template_names_take_the_target_and_ttl_annotations() -> None:
    obj = service("web", "prod", annotations=ga(target="198.51.100.1", ttl="60"), lb=("192.0.2.1",))
    result = service_source.endpoints(obj, store(obj), TEMPLATED)
    assert [(e.name, e.targets, e.ttl) for e in result.endpoints] == [
        ("web.prod.example.com", ("198.51.100.1",), 60)]


def test_a_hostname_without_records_falls_back_to_the_template() -> None:
    # external-dns's rule counts records, not names: a ClusterIP Service's hostname gives none.
    obj = service("web", "prod", type="ClusterIP", annotations=ga(hostname="own.example.com"))
    config = SourceConfig(fqdn_template=TEMPLATED.fqdn_template, publish_internal_services=False)
    assert svc_records(obj, config) == []  # the template's name has no targets either
    lb = service("web", "prod", annotations=ga(hostname="own.example.com"))  # no load balancer yet
    assert svc_records(lb, config) == []


def test_ingress_template_fills_in_for_an_ingress_without_hosts() -> None:
    bare = ingress("shop", "prod", lb=("192.0.2.5",))
    named = ingress("shop", "prod", hosts=("own.example.com",), lb=("192.0.2.5",))
    found = records(ingress_source.endpoints(bare, store(bare), TEMPLATED))
    assert [r.split()[0] for r in found] == ["shop.prod.example.com"]
    found = records(ingress_source.endpoints(named, store(named), TEMPLATED))
    assert [r.split()[0] for r in found] == ["own.example.com"]
    combined = SourceConfig(fqdn_template=TEMPLATED.fqdn_template, combine_fqdn_annotation=True)
    found = records(ingress_source.endpoints(named, store(named), combined))
    assert [r.split()[0] for r in found] == ["own.example.com", "shop.prod.example.com"]


def test_istio_gateway_and_virtualservice_templates() -> None:
    gw = istio_gateway("gw", "istio-system", hosts=())
    lb = service("ingressgateway", "istio-system", selector={"istio": "ingressgateway"}, lb=("192.0.2.9",))
    vs = virtual_service("shop", "prod", gateways=("istio-system/gw",))
    view = store(gw, lb, vs)
    found = records(istio_gateway_source.endpoints(gw, view, TEMPLATED))
    assert found == ["gw.istio-system.example.com A -> 192.0.2.9"]
    # The VirtualService's template name binds through its Gateway, whose hosts match anything here.
    gw_any = istio_gateway("gw", "istio-system", hosts=("*",))
    view = store(gw_any, lb, vs)
    assert records(istio_vs_source.endpoints(vs, view, TEMPLATED)) == ["shop.prod.example.com A -> 192.0.2.9"]
    assert records(istio_vs_source.endpoints(vs, view, SourceConfig())) == []


def test_httproute_template_names_match_listeners() -> None:
    gw = gateway("gw", "prod", listener(hostname="*.prod.example.com"))
    bare = httproute("shop", "prod", parents=[{"name": "gw"}])
    found = records(httproute_source.SPEC.function(bare, store(gw, bare), TEMPLATED))
    # As in external-dns, a route without spec.hostnames still takes its listener's name as well.
    assert found == ["*.prod.example.com A -> 203.0.113.1", "shop.prod.example.com A -> 203.0.113.1"]
    named = httproute("shop", "prod", hostnames=("own.prod.example.com",), parents=[{"name": "gw"}])
    assert records(httproute_source.SPEC.function(named, store(gw, named), TEMPLATED)) == [
        "own.prod.example.com A -> 203.0.113.1"]
    combined = SourceConfig(fqdn_template=TEMPLATED.fqdn_template, combine_fqdn_annotation=True)
    assert records(httproute_source.SPEC.function(named, store(gw, named), combined)) == [
        "own.prod.example.com A -> 203.0.113.1", "shop.prod.example.com A -> 203.0.113.1"]


def test_any_text_either_parses_and_runs_or_fails_with_a_template_error() -> None:
    """No input makes the template engine raise anything but TemplateError (which names the template)."""
    import contextlib
    import random

    from zonekeeper.sources import gotemplate

    pieces = ["{{", "}}", "{{-", "-}}", " ", ".Name", ".Labels.x", "$", "$x", ":=", "|", "(", ")", "if", "else",
              "end", "range", "with", "break", "index", "printf", '"a"', "1", "true", "nil", "eq", "and", "not",
              ",", "/*", "*/", "hasKey", "fromJson", "len", "x", ".", "$.Name", "lt", "replace"]
    rng = random.Random(7)
    data = fqdn.template_data(svc_obj())
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12)))
        with contextlib.suppress(gotemplate.TemplateError):
            gotemplate.execute(gotemplate.parse(text), data, "service", fqdn.EXTERNAL_DNS_SOURCES)
    with pytest.raises(gotemplate.TemplateError, match="nests too deeply"):
        gotemplate.parse("{{ " + "(" * 5000 + ".Name" + ")" * 5000 + " }}")


# -- node and pod (external-dns v0.23.0 source/node.go and pod.go: templateEngine.CombineWithEndpoints) --


def _config(template: str, *, combine: bool = False, **extra: Any) -> SourceConfig:
    return SourceConfig(fqdn_template=fqdn.compile_templates((template,)), combine_fqdn_annotation=combine, **extra)


def _node() -> dict[str, Any]:
    from sourcekit import node

    return node("w1.example.com", external=("192.0.2.31",), internal=("10.0.0.31",))


def test_a_node_template_replaces_the_node_name() -> None:
    from zonekeeper.sources import node as node_source

    result = node_source.SPEC.function(_node(), store(), _config("{{ .Name }}.nodes.example.org"))
    assert records(result) == ["w1.example.com.nodes.example.org A -> 192.0.2.31"]
    assert {e.resource for e in result.endpoints} == {"node/w1.example.com"}


def test_a_node_template_combined_keeps_the_node_name() -> None:
    from zonekeeper.sources import node as node_source

    result = node_source.SPEC.function(_node(), store(), _config("{{ .Name }}.nodes.example.org", combine=True))
    assert records(result) == ["w1.example.com A -> 192.0.2.31", "w1.example.com.nodes.example.org A -> 192.0.2.31"]


def _pod(annotations: dict[str, str] | None = None, *, host_network: bool = False) -> dict[str, Any]:
    from sourcekit import pod

    obj = pod("agent", "apps", node="w1.example.com", annotations=annotations)
    obj["spec"]["hostNetwork"] = host_network
    obj["status"].update({"podIP": "10.0.0.40", "podIPs": [{"ip": "10.0.0.40"}, {"ip": "2001:db8::40"}]})
    return obj


def _pods(pod_obj: dict[str, Any], config: SourceConfig) -> list[str]:
    from zonekeeper.sources import pod as pod_source

    return records(pod_source.SPEC.function(pod_obj, store(pod_obj, _node()), config))


POD_TEMPLATE = "{{ .Name }}.{{ .Namespace }}.pods.example.org"


def test_a_pod_without_names_of_its_own_gets_the_template_s_pointing_at_its_ips() -> None:
    assert _pods(_pod(), _config(POD_TEMPLATE)) == ["agent.apps.pods.example.org A -> 10.0.0.40",
                                                    "agent.apps.pods.example.org AAAA -> 2001:db8::40"]
    # --ignore-non-host-network-pods skips the annotations' names, not the template's (as external-dns).
    assert _pods(_pod(), _config(POD_TEMPLATE, ignore_non_host_network_pods=True)) == [
        "agent.apps.pods.example.org A -> 10.0.0.40", "agent.apps.pods.example.org AAAA -> 2001:db8::40"]


def test_a_pod_with_its_own_names_keeps_them_unless_combining() -> None:
    own = _pod(ga(internal_hostname="agent-int.example.com"))
    assert _pods(own, _config(POD_TEMPLATE)) == ["agent-int.example.com A -> 10.0.0.40"]
    assert _pods(own, _config(POD_TEMPLATE, combine=True)) == [
        "agent-int.example.com A -> 10.0.0.40", "agent.apps.pods.example.org A -> 10.0.0.40",
        "agent.apps.pods.example.org AAAA -> 2001:db8::40"]


def test_the_target_annotation_does_not_apply_to_a_pod_template_s_names() -> None:
    assert _pods(_pod(ga(target="198.51.100.9")), _config(POD_TEMPLATE)) == [
        "agent.apps.pods.example.org A -> 10.0.0.40", "agent.apps.pods.example.org AAAA -> 2001:db8::40"]
