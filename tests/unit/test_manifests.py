"""`--from-file` reading under hostile input (issue 7, items 6-8): each file, document and object
judged alone, bounded parsing with the limits named, no traceback, and nothing dropped silently."""

from __future__ import annotations

import json
import textwrap
import time
from pathlib import Path

import pytest
import yaml

from zonekeeper import manifests
from zonekeeper.sources import objects as kinds

GOOD = """\
apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: default
  annotations:
    external-dns.kubernetes.io/hostname: {name}.example.com
spec: {{type: LoadBalancer}}
status: {{loadBalancer: {{ingress: [{{ip: 203.0.113.1}}]}}}}
"""


def good(name: str) -> str:
    return GOOD.format(name=name)


def bomb(levels: int) -> str:
    """The billion-laughs document, in an annotation: 9 references per level."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, levels):
        refs = ",".join([f"*a{i - 1}"] * 9)
        lines.append(f"a{i}: &a{i} [{refs}]")
    anchors = textwrap.indent("\n".join(lines), "    ")
    return ("apiVersion: v1\nkind: Service\nmetadata:\n  name: bomb\n  namespace: default\n  labels:\n"
            f"{anchors}\n  annotations:\n    external-dns.kubernetes.io/hostname: *a{levels - 1}\n")


def names(store: kinds.ObjectStore) -> list[str]:
    return sorted(kinds.name_of(o) for o in store.list(kinds.SERVICES))


def load(*paths: Path) -> tuple[kinds.ObjectStore, list[str]]:
    store, problems = manifests.load(paths)
    return store, [str(p) for p in problems]


# --- item 7: each file and document alone ------------------------------------------------------


def test_one_binary_file_does_not_stop_the_others(tmp_path: Path) -> None:
    for i in range(51):
        (tmp_path / f"svc-{i:02}.yaml").write_text(good(f"svc-{i}"))
    (tmp_path / "blob.yaml").write_bytes(bytes(range(256)) * 4)
    store, problems = load(tmp_path)
    assert len(names(store)) == 51
    assert len(problems) == 1 and "blob.yaml" in problems[0] and "binary" in problems[0], problems


def test_latin1_file_is_named_and_the_rest_loads(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(good("a"))
    (tmp_path / "latin.yaml").write_bytes(good("b").replace("spec:", "# caf\xe9\nspec:").encode("latin-1"))
    store, problems = load(tmp_path)
    assert names(store) == ["a"]
    assert len(problems) == 1 and "latin.yaml" in problems[0] and "UTF-8" in problems[0] and "line 8" in problems[0]


def test_utf16_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = tmp_path / "u16.yaml"
    path.write_bytes(good("u").encode("utf-16"))
    store, problems = load(path)
    assert (names(store), problems) == (["u"], [])


def test_a_bad_document_is_named_by_index_and_line_and_the_others_load(tmp_path: Path) -> None:
    path = tmp_path / "three.yaml"
    path.write_text(good("one") + "---\nkind: [unclosed\n---\n" + good("three"))
    store, problems = load(path)
    assert names(store) == ["one", "three"]
    assert len(problems) == 1 and "three.yaml" in problems[0] and "document 2 (line 10)" in problems[0], problems


def test_a_5000_digit_number_is_named_with_file_document_and_line(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text(good("a") + "---\n" + good("b").replace("spec:", "spec:\n  port: " + "9" * 5000 + "\nx:"))
    store, problems = load(path)
    assert names(store) == ["a"]
    assert len(problems) == 1 and "big.yaml" in problems[0] and "document 2" in problems[0] and "line 19" in problems[0]
    assert "5,000 characters" in problems[0] and "set_int_max_str_digits" not in problems[0]


@pytest.mark.timeout(30)
@pytest.mark.parametrize("depth", [3_000, 100_000])
def test_deep_nesting_is_refused_with_the_limit_named(tmp_path: Path, depth: int) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(good("a") + "---\n" + good("b") + "extra: " + "[" * depth + "]" * depth + "\n")
    store, problems = load(path)
    assert names(store) == ["a"]
    assert len(problems) == 1 and "document 2" in problems[0] and f"deeper than {manifests.MAX_DEPTH}" in problems[0]


@pytest.mark.timeout(30)
@pytest.mark.parametrize("levels", [7, 9])
def test_an_alias_bomb_is_refused_quickly_with_the_limit_named(tmp_path: Path, levels: int) -> None:
    path = tmp_path / "bomb.yaml"
    path.write_text(bomb(levels) + "---\n" + good("fine"))
    started = time.process_time()
    store, problems = load(path)
    assert time.process_time() - started < 5
    assert names(store) == ["fine"]
    assert len(problems) == 1 and "document 1" in problems[0] and f"{manifests.MAX_ALIAS_NODES:,} nodes" in problems[0]


def test_a_few_aliases_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "anchors.yaml"
    path.write_text(textwrap.dedent("""\
        apiVersion: v1
        kind: Service
        metadata:
          name: a
          namespace: default
          labels: &labels {app: web, tier: front}
          annotations:
            external-dns.kubernetes.io/hostname: a.example.com
        spec:
          type: LoadBalancer
          selector:
            <<: *labels
            extra: "yes"
        """))
    store, problems = load(path)
    assert problems == []
    assert store.get(kinds.SERVICES, "default", "a")["spec"]["selector"] == {"app": "web", "tier": "front",  # type: ignore[index]
                                                                             "extra": "yes"}


def test_a_recursive_alias_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "loop.yaml"
    path.write_text("apiVersion: v1\nkind: Service\nmetadata: &m\n  name: loop\n  self: *m\n")
    store, problems = load(path)
    assert len(store) == 0 and len(problems) == 1 and "*m" in problems[0]


def test_document_and_file_sizes_are_limited(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "sizes.yaml"
    path.write_text(good("small") + "---\n" + good("big") + "# " + "x" * 2000 + "\n")
    monkeypatch.setattr(manifests, "MAX_DOCUMENT_BYTES", 1000)
    store, problems = load(path)
    assert names(store) == ["small"]
    assert len(problems) == 1 and "document 2" in problems[0] and "1,000 bytes per document" in problems[0]
    monkeypatch.setattr(manifests, "MAX_FILE_BYTES", 1000)
    store, problems = load(path)
    assert len(store) == 0 and len(problems) == 1 and "1,000 bytes per file" in problems[0]


def test_the_parse_is_the_same_as_safe_load_for_ordinary_manifests() -> None:
    root = Path(__file__).resolve().parents[2]
    for path in sorted((root / "examples").rglob("*.yaml")) + sorted((root / "deploy").rglob("*.yaml")):
        text = path.read_text()
        if "{{" in text:
            continue  # helm templates are not YAML
        expected = [d for d in yaml.safe_load_all(text)]
        got = [doc for line, chunk in manifests._chunks(text) for _, doc in manifests._documents(chunk, line)]
        assert got == expected, path


def test_scalars_resolve_as_safe_load_does() -> None:
    text = textwrap.dedent("""\
        a: [1, -2, 0x1f, 0o17, 1_000, 3.5, .inf, -.nan, true, no, On, null, ~, "", '', 2024-01-02, "7"]
        b: {? x : y, "q": !!str 5, r: !!int "6"}
        s: |
          block
        t: >-
          folded
          text
        "8": 1.0e+3
        """)
    expected = yaml.safe_load(text)
    (_, got), = manifests._documents(text, 0)
    assert json.dumps(got, default=str, sort_keys=True) == json.dumps(expected, default=str, sort_keys=True)


@pytest.mark.parametrize("tag", ["!!python/object:os.system", "!custom", "!!set"])
def test_other_tags_are_refused(tmp_path: Path, tag: str) -> None:
    path = tmp_path / "tag.yaml"
    path.write_text(good("a").replace("spec: {type: LoadBalancer}", f"spec: {tag} {{type: LoadBalancer}}"))
    store, problems = load(path)
    assert len(store) == 0 and len(problems) == 1 and "tag" in problems[0]


def test_an_unknown_path_is_still_a_flag_error(tmp_path: Path) -> None:
    with pytest.raises(manifests.ManifestError, match="no such file"):
        manifests.load([tmp_path / "nope"])


# --- item 8: shapes ------------------------------------------------------------------------------


def test_wrong_shapes_are_reported_naming_the_object_and_the_field(tmp_path: Path) -> None:
    path = tmp_path / "shapes.yaml"
    path.write_text(textwrap.dedent("""\
        - just: a list
        ---
        plain text
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: str-ingress, namespace: default,
                   annotations: {external-dns.kubernetes.io/hostname: s.example.com}}
        spec: {type: LoadBalancer}
        status: {loadBalancer: {ingress: 203.0.113.9}}
        ---
        apiVersion: externaldns.k8s.io/v1alpha1
        kind: DNSEndpoint
        metadata: {name: str-endpoints, namespace: default}
        spec: {endpoints: "a.example.com A 192.0.2.1"}
        ---
        apiVersion: v1
        kind: List
        items: [{apiVersion: v1, kind: Service, metadata: {name: ok}}, 42]
        """))
    store, problems = load(path)
    assert names(store) == ["ok", "str-ingress"]
    assert len(problems) == 5, problems
    doc1, doc2, doc3, doc4, doc5 = problems
    assert "document 1" in doc1 and "a list, not a Kubernetes object" in doc1
    assert "document 2" in doc2 and "not a Kubernetes object" in doc2
    assert ("document 3" in doc3 and "Service default/str-ingress" in doc3
            and "status.loadBalancer.ingress: expected a list, got a string" in doc3)
    assert ("document 4" in doc4 and "DNSEndpoint default/str-endpoints" in doc4
            and "spec.endpoints: expected a list" in doc4)
    assert "document 5" in doc5 and "items[1]" in doc5


# --- item 6: annotation values are strings --------------------------------------------------------


def test_annotation_values_must_be_strings(tmp_path: Path) -> None:
    path = tmp_path / "ann.yaml"
    path.write_text(good("a").replace("    external-dns.kubernetes.io/hostname: a.example.com",
                                      "    external-dns.kubernetes.io/hostname: a.example.com\n"
                                      "    external-dns.kubernetes.io/ttl: 60\n"
                                      "    external-dns.kubernetes.io/alias: [true]\n"
                                      "    note:"))
    store, problems = load(path)
    obj = store.get(kinds.SERVICES, "default", "a")
    assert obj is not None
    annotations = obj["metadata"]["annotations"]
    assert annotations == {"external-dns.kubernetes.io/hostname": "a.example.com", "note": ""}
    assert len(problems) == 2
    assert all("Service default/a" in p and "expected a string" in p for p in problems)
    assert "external-dns.kubernetes.io/ttl" in problems[0] and "(60)" in problems[0]


# --- items 6 and 8 for objects from the API: the same rules, reported through the sources ---------


@pytest.mark.parametrize("compact", [False, True])
def test_objects_from_the_api_get_the_same_checks_reported_against_the_object(compact: bool) -> None:
    from zonekeeper.kube import frozen, resources
    from zonekeeper.sources import SOURCES, run_one
    from zonekeeper.sources.base import SourceConfig

    raw = {"apiVersion": "v1", "kind": "Service",
           "metadata": {"name": "web", "namespace": "default", "resourceVersion": "7",
                        "annotations": {"external-dns.kubernetes.io/hostname": "web.example.com",
                                        "external-dns.kubernetes.io/ttl": 60}},
           "spec": {"type": "LoadBalancer"}, "status": {"loadBalancer": {"ingress": "203.0.113.9"}}}
    slim = resources.slim(kinds.SERVICES, raw)
    obj = frozen.freeze(kinds.SERVICES, slim) if compact else slim
    result = run_one(SOURCES["service"].only, obj, kinds.ObjectStore(), SourceConfig())
    assert result.endpoints == []
    messages = sorted(p.message for p in result.problems if p.subject == "service/default/web")
    assert len(messages) == 2, result.problems
    assert "metadata.annotations['external-dns.kubernetes.io/ttl']: expected a string" in messages[0]
    assert "status.loadBalancer.ingress: expected a list, got a string ('203.0.113.9')" in messages[1]
    assert {p.reason for p in result.problems} == {"InvalidObject"}


def test_a_well_shaped_object_from_the_api_has_no_problems() -> None:
    from zonekeeper.kube import frozen, resources
    from zonekeeper.sources import SOURCES, run_one
    from zonekeeper.sources.base import SourceConfig

    raw = {"apiVersion": "v1", "kind": "Service",
           "metadata": {"name": "web", "namespace": "default",
                        "annotations": {"external-dns.kubernetes.io/hostname": "web.example.com"}},
           "spec": {"type": "LoadBalancer", "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}]},
           "status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.9"}]}}}
    obj = frozen.freeze(kinds.SERVICES, resources.slim(kinds.SERVICES, raw))
    result = run_one(SOURCES["service"].only, obj, kinds.ObjectStore(), SourceConfig())
    assert [str(e) for e in result.endpoints] == ["web.example.com A -> 203.0.113.9"]
    assert result.problems == []


def test_libyaml_is_required_with_a_clear_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.yaml"
    path.write_text(good("a"))
    monkeypatch.setattr(yaml, "__with_libyaml__", False)
    with pytest.raises(manifests.ManifestError, match="libyaml"):
        manifests.load([path])


@pytest.mark.parametrize(("kind", "obj", "error"), [
    (kinds.DNSENDPOINTS, {"spec": {"endpoints": [{"dnsName": "a.example.com", "targets": "192.0.2.1"}]}},
     "spec.endpoints[0].targets: expected a list of strings, got a string ('192.0.2.1')"),
    (kinds.DNSENDPOINTS, {"spec": {"endpoints": [{"dnsName": "a", "providerSpecific": {"name": "alias"}}]}},
     "spec.endpoints[0].providerSpecific: expected a list, got an object"),
    (kinds.DNSENDPOINTS, {"spec": {"endpoints": ["a.example.com"]}},
     "spec.endpoints[0]: expected an object, got a string"),
    (kinds.INGRESSES, {"spec": {"rules": {"host": "a.example.com"}}}, "spec.rules: expected a list, got an object"),
    (kinds.INGRESSES, {"spec": {"tls": [{"hosts": "a.example.com"}]}},
     "spec.tls[0].hosts: expected a list of strings, got a string"),
    (kinds.HTTPROUTES, {"spec": {"hostnames": ["a.example.com", 7]}}, "spec.hostnames[1]: expected a string, got a number"),
    (kinds.GATEWAYS, {"spec": {"listeners": [{"port": "80"}]}}, "spec.listeners[0].port: expected an integer, got a string"),
    (kinds.ISTIO_VIRTUALSERVICES, {"spec": {"hosts": "a.example.com"}}, "spec.hosts: expected a list of strings"),
    (kinds.SERVICES, {"metadata": {"annotations": ["a", "b"]}}, "metadata.annotations: expected a map of strings, got a list"),
    (kinds.SERVICES, {"spec": {"ports": [{"nodePort": True}]}}, "spec.ports[0].nodePort: expected an integer, got true or false"),
    (kinds.NODES, {"status": {"addresses": "10.0.0.1"}}, "status.addresses: expected a list"),
])
def test_every_field_the_sources_read_is_type_checked(kind: str, obj: dict, error: str) -> None:
    from zonekeeper.kube import resources

    for prune in (False, True):
        _, errors = resources.decode(kind, obj, prune=prune)
        assert len(errors) == 1 and errors[0].startswith(error), errors
