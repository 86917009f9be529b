"""Rebuild src/zonekeeper/settings/edns_flags.py: every flag external-dns defines, read from its source.

One-off tooling like build.py next to it: the generated module is committed and nothing reads the
external-dns source at run or test time. To refresh against another release:

    python scripts/external_dns_tables/flags.py /root/go/pkg/mod/sigs.k8s.io/external-dns@v0.23.0 v0.23.0

external-dns declares its flags in pkg/apis/externaldns/types.go: `bindFlags` calls one binder
method per flag (`b.StringVar("name", help, default, &cfg.Field)`, internal/flags/binders.go), and
`App` adds --provider and --source with `app.Flag(...)`. Defaults that name `defaultConfig.Field`
are looked up in the `defaultConfig` literal of the same file; the few Go expressions left
(`time.Second * 30`, `rest.DefaultBurst`, ...) are translated by GO_VALUES below, and an
expression not there stops the script, so a new release cannot slip a wrong default in.
kingpin's own --help/--version (and its hidden completion flags) are not external-dns flags.
"""

from __future__ import annotations

import re
import sys
import textwrap
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[2] / "src" / "zonekeeper" / "settings" / "edns_flags.py"
TYPES_GO = "pkg/apis/externaldns/types.go"

# binder method -> kind in the table
KINDS = {"StringVar": "string", "BoolVar": "bool", "DurationVar": "duration", "IntVar": "int",
         "Int64Var": "int", "StringsVar": "repeatable", "EnumVar": "enum", "StringsEnumVar": "repeatable",
         "StringMapVar": "repeatable", "RegexpVar": "string"}

# Go expressions of defaults that are not literals, with their value (the comment says where from).
GO_VALUES: dict[str, Any] = {
    "annotations.DefaultAnnotationPrefix": "external-dns.kubernetes.io/",  # source/annotations
    "labels.Everything().String()": "",  # an empty selector
    "logrus.InfoLevel.String()": "info",
    "int(rest.DefaultQPS)": 5,  # k8s.io/client-go/rest
    "rest.DefaultBurst": 10,
    "RegistryTXT": "txt",
    "defaultWebhookProviderMaxBodySize": 32 << 20,
    "cfg.NS1MinTTLSeconds": 0,  # cfg is NewConfig(): zero
    "cfg.GoDaddyTTL": 0,
    "cfg.AWSDynamoDBRegion": "",
    "[]string{defaultConfig.RFC2136Host[0]}": [""],
}
# Enum values given as an expression (logrus.AllLevels, in its order).
GO_CHOICES = {"allLogLevelsAsStrings()...": ["panic", "fatal", "error", "warning", "info", "debug", "trace"]}
_DURATION_UNITS = {"time.Millisecond": 0.001, "time.Second": 1, "time.Minute": 60, "time.Hour": 3600}

# Flags whose name starts with one of these belong to that provider / registry / feature (longest first).
PREFIXES = (
    ("alibaba-cloud-", "provider alibabacloud"), ("aws-sd-", "provider aws-sd"), ("aws-", "provider aws"),
    ("azure-", "provider azure"), ("cloudflare-", "provider cloudflare"), ("coredns-", "provider coredns"),
    ("exoscale-", "provider exoscale"), ("godaddy-", "provider godaddy"), ("google-", "provider google"),
    ("inmemory-", "provider inmemory"), ("ns1-", "provider ns1"), ("oci-", "provider oci"),
    ("ovh-", "provider ovh"), ("pdns-", "provider pdns"), ("pihole-", "provider pihole"),
    ("rfc2136-", "provider rfc2136"), ("webhook-", "provider webhook"), ("dynamodb-", "registry dynamodb"),
    ("crd-registry-", "registry crd"), ("tls-", "provider pdns, rfc2136"),
)
_SECTION = re.compile(r"//\s*(?:Flags related to (?:the )?)?(.+?)(?: flags)?\s*$")


def split_args(text: str) -> list[str]:
    """The top-level comma-separated arguments of a Go call's argument text."""
    args, depth, start, i = [], 0, 0, 0
    while i < len(text):
        c = text[i]
        if c == '"':
            i += 1
            while text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif c == "`":
            i = text.index("`", i + 1)
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            args.append(text[start:i].strip())
            start = i + 1
        i += 1
    args.append(text[start:].strip())
    return [a for a in args if a]


def calls(source: str, pattern: str) -> list[tuple[str, str, str]]:
    """(section comment, method, argument text) of each call matching `pattern` (e.g. `b.(\\w+)\\(`)."""
    out: list[tuple[str, str, str]] = []
    section = ""
    lines = source.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i].strip()
        if line.startswith("//"):
            section = _SECTION.match(line).group(1)  # type: ignore[union-attr]
        m = re.match(pattern, line)
        if m:
            text = line[m.end():]
            while _depth(text) >= 0:  # the call goes on on the next lines
                i += 1
                text += " " + lines[i].strip()
            out.append((section, m.group(1), text[: _close(text)]))
        elif not line:
            section = ""  # a blank line ends a commented section
        i += 1
    return out


def _depth(text: str) -> int:
    """1 + the open parentheses left at the end of `text` (-1 once the call is closed)."""
    return 0 if _close(text) < 0 else -1


def _close(text: str) -> int:
    depth = 1
    for i, c in enumerate(_blank_strings(text)):
        depth += (c in "([{") - (c in ")]}")
        if depth == 0:
            return i
    return -1


def _blank_strings(text: str) -> str:
    return re.sub(r'"(?:\\.|[^"\\])*"|`[^`]*`', lambda m: "x" * len(m.group(0)), text)


def go_string(expr: str) -> str:
    if expr.startswith("`"):
        return expr[1:-1]
    return bytes(expr[1:-1], "utf-8").decode("unicode_escape")


def default_config(source: str) -> dict[str, str]:
    body = source[source.index("var defaultConfig = &Config{"):]
    body = body[body.index("{") + 1: _close(body[body.index("{") + 1:]) + body.index("{") + 1]
    out: dict[str, str] = {}
    for item in split_args(body):
        key, _, value = item.partition(":")
        out[key.strip()] = value.strip()
    return out


def go_value(expr: str, defaults: dict[str, str], kind: str) -> Any:
    expr = expr.strip()
    if expr.startswith("defaultConfig."):
        field = expr.removeprefix("defaultConfig.")
        if field not in defaults:  # not in the literal: Go's zero value
            return {"bool": False, "int": 0, "duration": "0s", "repeatable": []}.get(kind, "")
        return go_value(defaults[field], defaults, kind)
    if expr in GO_VALUES:
        return GO_VALUES[expr]
    if expr in ("true", "false"):
        return expr == "true"
    if expr in ("nil", "map[string]string{}"):
        return []
    if re.fullmatch(r"-?\d+", expr):
        return f"{expr}s" if kind == "duration" and expr != "0" else ("0s" if kind == "duration" else int(expr))
    if expr.startswith('"') or expr.startswith("`"):
        return go_string(expr)
    m = re.fullmatch(r"\[\]string\{(.*)\}", expr)
    if m:
        return [go_value(a, defaults, "string") for a in split_args(m.group(1))]
    m = re.fullmatch(r"(?:(\d+) \* )?(time\.\w+)(?: \* (\d+))?", expr)
    if m and m.group(2) in _DURATION_UNITS:
        return _go_duration(int(m.group(1) or m.group(3) or 1) * _DURATION_UNITS[m.group(2)])
    m = re.fullmatch(r"regexp\.MustCompile\((.*)\)", expr)
    if m:
        return go_value(m.group(1), defaults, "string")
    m = re.fullmatch(r"endpoint\.RecordType(\w+)", expr)
    if m:
        return m.group(1)
    raise SystemExit(f"unknown Go default expression {expr!r}: add it to GO_VALUES")


def _go_duration(seconds: float) -> str:
    """time.Duration.String() for whole seconds and above (what the defaults are)."""
    if seconds == 0:
        return "0s"
    h, rest = divmod(int(seconds), 3600)
    m, s = divmod(rest, 60)
    text = (f"{h}h" if h else "") + (f"{m}m" if h or m else "") + f"{s}s"
    return text


def _string_list(source: str, var: str, consts: dict[str, str]) -> list[str]:
    """The values of `var ProviderNames = []string{ProviderX, ...}` (through their constants)."""
    body = re.search(rf"var {var} = \[\]string\{{(.*?)\}}", source, re.S).group(1)  # type: ignore[union-attr]
    return [consts[name] for name in split_args(body)]


def _choices(args: list[str], consts: dict[str, str]) -> list[str]:
    out: list[str] = []
    for arg in args:
        if arg in GO_CHOICES:
            out += GO_CHOICES[arg]
        else:
            out.append(go_string(arg) if arg[0] in '"`' else consts[arg])
    return out


def _group(name: str, section: str) -> str:
    for prefix, group in PREFIXES:
        if name.startswith(prefix):
            return group
    return section.rstrip(".").lower() or "general"


def rows(root: Path) -> list[dict[str, Any]]:
    source = (root / TYPES_GO).read_text()
    package = "\n".join(p.read_text() for p in (root / TYPES_GO).parent.glob("*.go") if not p.name.endswith("_test.go"))
    consts = dict(re.findall(r'(\w+)\s*=\s*"([^"]*)"', package))
    body = source[source.index("func bindFlags("):source.index("func App(")]
    defaults = default_config(source)
    helps = dict(re.findall(r'(\w+) := fmt\.Sprintf\("([^"]*)"', body))
    out: list[dict[str, Any]] = []
    for section, method, args_text in calls(body, r"b\.(\w+)\("):
        args = split_args(args_text)
        kind = KINDS[method]
        name = go_string(args[0])
        help_text = go_string(args[1]) if args[1][0] in '"`' else helps[args[1]]
        default: Any = [] if method == "StringMapVar" else go_value(args[2], defaults, kind)
        choices = _choices(args[4:], consts) if method.startswith(("Enum", "StringsEnum")) else []
        if kind == "repeatable" and default == [""]:
            default = []  # kingpin's Default("") of a list flag is an empty list
        out.append({"name": name, "kind": kind, "default": default, "group": _group(name, section),
                    "choices": choices, "help": help_text.split(" (default")[0].strip()})
    for name, var, kind, group in (("provider", "ProviderNames", "enum", "provider"),
                                   ("source", "AllowedSources", "repeatable", "source")):
        m = re.search(rf'app\.Flag\("{name}", (\w+)\)', source)
        assert m, name
        choices = _string_list(source, var, consts) if var == "ProviderNames" else _sources(root)
        out.append({"name": name, "kind": kind, "default": "" if kind == "enum" else [], "group": group,
                    "choices": choices, "help": f"required; one of {len(choices)} values"})
    names = [r["name"] for r in out]
    assert len(names) == len(set(names)), "a flag defined twice"
    return out


def _sources(root: Path) -> list[str]:
    """source/types: `All = []string{...}` over constants `X Type = "name"`."""
    text = "\n".join(p.read_text() for p in (root / "source" / "types").glob("*.go") if not p.name.endswith("_test.go"))
    consts = dict(re.findall(r'(\w+)\s+(?:Type\s+)?=\s*"([^"]*)"', text))
    body = re.search(r"All = \[\](?:string|Type)\{(.*?)\}", text, re.S).group(1)  # type: ignore[union-attr]
    return sorted(consts.get(n, n) for n in split_args(re.sub(r"//.*", "", body)))


def render(table: list[dict[str, Any]], version: str) -> str:
    lines = [
        f'"""Every flag external-dns {version} defines (pkg/apis/externaldns/types.go): name, kind, default,',
        "the provider, registry or section it belongs to, and the values of its enums.",
        "",
        "GENERATED by scripts/external_dns_tables/flags.py from the external-dns module source; do not edit.",
        "zonekeeper.settings.compat classifies each row: same meaning (a Flag row), mapped, or refused.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from zonekeeper.settings.edns_flag import EdnsFlag",
        "",
        f'VERSION = "{version}"',
        "",
        "FLAGS: tuple[EdnsFlag, ...] = (",
    ]
    for r in sorted(table, key=lambda r: r["name"]):
        default = tuple(r["default"]) if isinstance(r["default"], list) else r["default"]
        line = f"    EdnsFlag({r['name']!r}, {r['kind']!r}, {default!r}, {r['group']!r}, {tuple(r['choices'])!r}),"
        if len(line) <= 120:
            lines.append(line)
            continue
        lines.append(f"    EdnsFlag({r['name']!r}, {r['kind']!r}, {default!r}, {r['group']!r}, (")
        values = " ".join(f"{c!r}," for c in r["choices"])
        lines += [f"        {w}" for w in textwrap.wrap(values, 110, break_on_hyphens=False)]
        lines.append("    )),")
    lines.append(")")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    root, version = Path(argv[1]), argv[2]
    table = rows(root)
    OUT.write_text(render(table, version))
    print(f"wrote {OUT} ({len(table)} flags)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
