"""docs/ARCHITECTURE.md names every module of the package, so a newcomer finds each stage in it."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "zonekeeper"


def _modules() -> list[str]:
    """Module paths relative to the package (`providers/route53/send.py`), package markers excluded."""
    return sorted(
        str(p.relative_to(PACKAGE))
        for p in PACKAGE.rglob("*.py")
        if p.name != "__init__.py" and "__pycache__" not in p.parts
    )


def _named_in_doc() -> set[str]:
    """What the doc's tree names: `folder/` lines open a folder, and every `name.py` under it counts."""
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    tree = next(block for block in text.split("```")[1::2] if block.lstrip().startswith("src/zonekeeper/"))
    named: set[str] = set()
    folders: list[tuple[int, str]] = []
    for line in tree.splitlines():
        if not line.strip() or line.strip().startswith("src/zonekeeper/"):
            continue
        indent = len(line) - len(line.lstrip())
        while folders and folders[-1][0] >= indent:
            folders.pop()
        prefix = "".join(f for _, f in folders)
        first = line.split()[0]
        if first.endswith("/") and not first.startswith("tests"):
            folders.append((indent, first))
            continue
        # The module names at the start of the line (several may share one description).
        for token in re.findall(r"^\s*((?:[\w./]+\.py[ ,]*)+)", line)[:1]:
            for name in re.findall(r"[\w/]+\.py", token):
                named.add(prefix + name)
    return named


def test_every_module_is_named_in_the_architecture_doc() -> None:
    missing = [m for m in _modules() if m not in _named_in_doc()]
    assert not missing, f"docs/ARCHITECTURE.md does not name: {', '.join(missing)}"


def test_the_doc_names_no_module_that_does_not_exist() -> None:
    stale = sorted(_named_in_doc() - set(_modules()))
    assert not stale, f"docs/ARCHITECTURE.md names modules that do not exist: {', '.join(stale)}"
