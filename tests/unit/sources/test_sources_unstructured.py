"""The unstructured source on plain objects (cases after external-dns v0.23.0's source/unstructured_test.go),
its --unstructured-resource values and the discovery of their kinds."""

from __future__ import annotations

import pytest
from sourcekit import ga, obj, records, store

from zonekeeper.config import ConfigError, Settings
from zonekeeper.kube.discovery import DiscoveryError, kind_from
from zonekeeper.sources import collect, specs_for
from zonekeeper.sources.base import SourceConfig
from zonekeeper.sources.objects import KindInfo, ObjectStore
from zonekeeper.sources.unstructured import ResourceArg, parse_resource, parse_resources

VMS = KindInfo("kubevirt.io", "v1", "virtualmachineinstances", "VirtualMachineInstance")
CONFIGMAPS = KindInfo("", "v1", "configmaps", "ConfigMap")
CONFIG = SourceConfig(unstructured_kinds=(VMS, CONFIGMAPS))


def vm(name: str = "my-vm", **annotations: str) -> dict[str, object]:
    return obj("kubevirt.io/v1", "VirtualMachineInstance", name, "default", annotations=ga(**annotations),
               spec={"domain": {}}, status={"interfaces": [{"ipAddress": "10.0.0.1"}]})


def run(*objects: dict[str, object], config: SourceConfig = CONFIG) -> list[str]:
    view = store()
    for o in objects:
        view.add(o, VMS.name if o["kind"] == "VirtualMachineInstance" else CONFIGMAPS.name)
    return records(collect(view, ["unstructured"], config))


@pytest.mark.parametrize(("text", "arg"), [
    ("certificates.v1.cert-manager.io", ResourceArg("certificates", "v1", "cert-manager.io")),
    ("configmaps.v1", ResourceArg("configmaps", "v1", "")),
    ("virtualmachineinstances.v1.kubevirt.io", ResourceArg("virtualmachineinstances", "v1", "kubevirt.io")),
])
def test_resource_values_parse_as_external_dns_does(text: str, arg: ResourceArg) -> None:
    assert parse_resource(text) == arg
    assert str(arg) == text


@pytest.mark.parametrize("bad", ["configmaps", "", ".v1"])
def test_a_resource_value_without_version_is_refused_naming_the_format(bad: str) -> None:
    with pytest.raises(ValueError, match=r"--unstructured-resource .*expected resource\.version\.group"):
        parse_resource(bad)
    with pytest.raises(ConfigError, match="--unstructured-resource"):
        Settings.of(sources=("unstructured",), unstructured_resource=(bad,)).validate()


def test_repeated_values_count_once() -> None:
    assert parse_resources(["configmaps.v1", "configmaps.v1"]) == (ResourceArg("configmaps", "v1", ""),)


def test_names_and_targets_come_from_the_annotations() -> None:
    assert run(vm(hostname="my-vm.example.com", target="2001:db8::1")) == ["my-vm.example.com AAAA -> 2001:db8::1"]
    assert run(vm(hostname="b.example.com,a.example.com", target="10.0.0.1,10.0.0.2")) == [
        "a.example.com A -> 10.0.0.1,10.0.0.2", "b.example.com A -> 10.0.0.1,10.0.0.2"]
    # No target, or no name: nothing (external-dns's EndpointsForHostsAndTargets).
    assert run(vm(hostname="a.example.com")) == []
    assert run(vm(target="10.0.0.1")) == []


def test_label_ttl_and_no_provider_specific() -> None:
    o = vm(hostname="cache.example.com", target="cache.aws.example.net", ttl="300", aws_weight="10",
           set_identifier="blue")
    [endpoint] = collect(_view(o), ["unstructured"], CONFIG).endpoints
    assert (endpoint.resource, endpoint.ttl, endpoint.set_identifier, endpoint.provider_specific) == (
        "virtualmachineinstance/default/my-vm", 300, "", ())


def _view(*objects: dict[str, object]) -> ObjectStore:
    view = store()
    for o in objects:
        view.add(o, VMS.name)
    return view


def test_the_hostname_annotation_is_read_even_with_ignore_hostname_annotation() -> None:
    config = SourceConfig(unstructured_kinds=(VMS,), ignore_hostname_annotation=True)
    assert run(vm(hostname="a.example.com", target="10.0.0.1"), config=config) == ["a.example.com A -> 10.0.0.1"]


def test_objects_for_another_controller_are_left_alone() -> None:
    assert run(vm(hostname="a.example.com", target="10.0.0.1", controller="other")) == []


def test_one_part_per_discovered_resource() -> None:
    assert [(s.id, s.kind, s.label_kind) for s in specs_for(["unstructured"], CONFIG)] == [
        ("unstructured:virtualmachineinstances.kubevirt.io", VMS.name, "virtualmachineinstance"),
        ("unstructured:configmaps", "configmaps", "configmap")]
    assert specs_for(["unstructured"], SourceConfig()) == ()


def test_discovery_finds_the_kind_or_names_the_missing_resource() -> None:
    document = {"kind": "APIResourceList", "groupVersion": "v1", "resources": [
        {"name": "configmaps", "kind": "ConfigMap", "namespaced": True},
        {"name": "nodes", "kind": "Node", "namespaced": False}]}
    assert kind_from(document, ResourceArg("configmaps", "v1", "")) == CONFIGMAPS
    assert kind_from(document, ResourceArg("nodes", "v1", "")).namespaced is False
    with pytest.raises(DiscoveryError, match="'widgets' not found in 'v1'"):
        kind_from(document, ResourceArg("widgets", "v1", ""))


def test_unstructured_cannot_run_on_files() -> None:
    with pytest.raises(ConfigError, match="cannot run on --from-file"):
        Settings.of(sources=("unstructured",), unstructured_resource=("configmaps.v1",),
                    from_files=("x.yaml",)).validate()
