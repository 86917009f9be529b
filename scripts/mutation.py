"""Mutation testing for zonekeeper's core: does some unit test fail when the code is subtly wrong?

    uv run python scripts/mutation.py [GROUP|FILE ...] [--jobs N] [--budget SECONDS] [--quick N]

GROUPs: plan, registry, providers, sources, annotations (default: all of them). For each source file it
prints mutants, killed, survivors and the score (killed / mutants), then every survivor that is not in
the accepted list (scripts/mutation_accepted.yaml, each entry an equivalent mutant with the reason).
Exit status: 0 when every survivor is accepted, 1 when a new unexplained survivor appears (or, with
--goal, a group scores below it), 2 on bad arguments.

How it works (a small runner of our own, chosen over mutmut 3 and cosmic-ray for speed on 2 cores;
the figures are in the note of the change that added it):
- Mutants are made from the AST, only inside function bodies: comparison, boolean, arithmetic and
  unary operators, constants (numbers, strings, True/False/None), `return x` → `return None`, a call
  statement (`problems.append(...)`, `raise`) removed, `break` ↔ `continue`. Docstrings, f-string
  text, log calls and lines marked `# pragma: no mutate` are left alone.
- The tests are collected once, in this process (a pytest plugin takes over the run loop). One
  forked child runs them all with a call-only profiler to learn which tests call each function, and
  how long each takes. Each mutant then runs in a forked child that swaps the mutated function's code
  object in place (so every `from x import f` sees it) and runs just the tests that call that
  function, fastest first, stopping at the first failure: no copy of the tree, no re-import, no
  pytest start-up or collection per mutant.
- A mutant is killed when those tests fail or time out (10 times their normal time + 10 s); it
  survives when they pass, or when no test calls the function at all ("no-tests").

Survivors are keyed stably by file, function and the mutation (the source text before → after, with
an occurrence number when the same text repeats in one function), so code moving around does not
invalidate the accepted list; an accepted entry whose mutant no longer exists is reported as stale
and ignored (--prune rewrites the file without them).
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import os
import select
import signal
import sys
import tempfile
import time
import types
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
ACCEPTED_FILE = ROOT / "scripts" / "mutation_accepted.yaml"

GROUPS: dict[str, list[str]] = {
    "plan": ["src/zonekeeper/plan.py"],
    "registry": ["src/zonekeeper/registry/*.py"],
    "providers": ["src/zonekeeper/providers/*.py", "src/zonekeeper/providers/route53/*.py"],
    "sources": ["src/zonekeeper/sources/*.py"],
    "annotations": ["src/zonekeeper/annotations/*.py"],
}
# The unit tests; the slow ones that never reach the core are left out of every run.
TESTS = ["tests/unit"]
IGNORE = [
    "tests/unit/test_informer_unit.py",
    "tests/unit/test_leader.py",
    "tests/unit/test_events.py",
    "tests/unit/test_health.py",
    "tests/unit/test_ratelimit.py",
    "tests/unit/test_metrics.py",
]
# Tests beyond the unit tests that a group needs: the Route 53 provider's request paths (paging, zone
# filters, refused batches narrowed down, the leadership fence) only run against the strict endpoint.
EXTRA_TESTS: dict[str, list[str]] = {
    "providers": ["tests/integration/test_route53_provider.py", "tests/integration/test_route53_requests.py"],
    "registry": ["tests/integration/test_txt_registry_cache.py"],
}
PYTEST_ARGS = ["-p", "no:terminal", "-p", "no:cacheprovider", "-W", "ignore", "--timeout", "0"]
LOG_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "msg"}
NO_MUTATE = "pragma: no mutate"


# --- mutants ----------------------------------------------------------------------------------------


@dataclass(slots=True)
class Mutant:
    path: str  # relative to ROOT
    qualname: str  # the outermost function whose code is swapped
    lineno: int
    description: str
    key: str = ""
    index: int = 0  # position in the module's walk, to re-create the mutated tree


_CMP_SWAP: dict[type[ast.cmpop], list[type[ast.cmpop]]] = {
    ast.Eq: [ast.NotEq], ast.NotEq: [ast.Eq], ast.Lt: [ast.LtE, ast.GtE], ast.LtE: [ast.Lt, ast.Gt],
    ast.Gt: [ast.GtE, ast.LtE], ast.GtE: [ast.Gt, ast.Lt], ast.Is: [ast.IsNot], ast.IsNot: [ast.Is],
    ast.In: [ast.NotIn], ast.NotIn: [ast.In],
}
_BIN_SWAP: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult, ast.FloorDiv: ast.Div,
    ast.Mod: ast.Div, ast.Pow: ast.Mult, ast.BitAnd: ast.BitOr, ast.BitOr: ast.BitAnd, ast.LShift: ast.RShift,
    ast.RShift: ast.LShift, ast.BitXor: ast.BitAnd,
}
_OP_TEXT = {
    ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Is: "is",
    ast.IsNot: "is not", ast.In: "in", ast.NotIn: "not in", ast.Add: "+", ast.Sub: "-", ast.Mult: "*",
    ast.Div: "/", ast.FloorDiv: "//", ast.Mod: "%", ast.Pow: "**", ast.BitAnd: "&", ast.BitOr: "|",
    ast.LShift: "<<", ast.RShift: ">>", ast.BitXor: "^", ast.And: "and", ast.Or: "or",
}


def _is_docstring(parent: ast.AST | None, node: ast.AST) -> bool:
    return (isinstance(parent, ast.Expr) and isinstance(node, ast.Constant) and isinstance(node.value, str))


def _is_log_call(node: ast.AST) -> bool:
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in LOG_METHODS and isinstance(node.func.value, ast.Name)
            and node.func.value.id in {"log", "logger", "_log", "LOG", "self.log"})


def _constant_mutations(value: object) -> list[object]:
    if isinstance(value, bool):
        return [not value]
    if isinstance(value, int):
        return [value + 1] if value != 1 else [2, 0]
    if isinstance(value, float):
        return [value + 1.0]
    if isinstance(value, str):
        return ["XX" + value + "XX"] if value else ["XX"]
    if isinstance(value, bytes):
        return [b"XX" + value + b"XX"]
    return []


@dataclass(slots=True)
class _Site:
    node: ast.AST
    apply: Callable[[ast.AST], ast.AST | None]  # returns the replacement (None: delete the statement)
    description: str


def _sites(node: ast.AST, parent: ast.AST | None, segment: Callable[[ast.AST], str]) -> Iterator[_Site]:
    """Every way to mutate `node` itself (not its children)."""
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            for new in _CMP_SWAP.get(type(op), []):
                def swap(n: ast.AST, i: int = i, new: type[ast.cmpop] = new) -> ast.AST:
                    assert isinstance(n, ast.Compare)
                    n.ops[i] = new()
                    return n
                yield _Site(node, swap, f"{segment(node)}: {_OP_TEXT[type(op)]} → {_OP_TEXT[new]}")
    elif isinstance(node, ast.BoolOp):
        other = ast.Or if isinstance(node.op, ast.And) else ast.And

        def boolswap(n: ast.AST, other: type[ast.boolop] = other) -> ast.AST:
            assert isinstance(n, ast.BoolOp)
            n.op = other()
            return n
        yield _Site(node, boolswap, f"{segment(node)}: {_OP_TEXT[type(node.op)]} → {_OP_TEXT[other]}")
    elif isinstance(node, ast.BinOp) and type(node.op) in _BIN_SWAP:
        if not (isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant)):  # "%s" % x formatting
            new_op = _BIN_SWAP[type(node.op)]

            def binswap(n: ast.AST, new_op: type[ast.operator] = new_op) -> ast.AST:
                assert isinstance(n, ast.BinOp)
                n.op = new_op()
                return n
            yield _Site(node, binswap, f"{segment(node)}: {_OP_TEXT[type(node.op)]} → {_OP_TEXT[new_op]}")
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.Not, ast.USub)):
        dropped = "not" if isinstance(node.op, ast.Not) else "-"
        yield _Site(node, lambda n: n.operand, f"{segment(node)}: drop {dropped}")  # type: ignore[attr-defined]
    elif isinstance(node, ast.Constant) and not _is_docstring(parent, node) and not isinstance(parent, ast.JoinedStr):
        for new_value in _constant_mutations(node.value):
            yield _Site(node, lambda n, v=new_value: ast.Constant(v), f"{segment(node)} → {new_value!r}")
    elif isinstance(node, ast.Return) and node.value is not None and not (
            isinstance(node.value, ast.Constant) and node.value.value is None):
        yield _Site(node, lambda n: ast.Return(ast.Constant(None)), f"{segment(node)} → return None")
    elif ((isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and not _is_log_call(node.value))
          or isinstance(node, ast.Raise)):
        yield _Site(node, lambda n: None, f"{segment(node)} → removed")
    elif isinstance(node, ast.Break):
        yield _Site(node, lambda n: ast.Continue(), "break → continue")
    elif isinstance(node, ast.Continue):
        yield _Site(node, lambda n: ast.Break(), "continue → break")


class _Walker:
    """Walks a module in a fixed order and numbers every mutation site inside function bodies."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.lines = source.splitlines()

    def segment(self, node: ast.AST) -> str:
        text = ast.get_source_segment(self.source, node) or ast.unparse(node)
        text = " ".join(text.split())
        return text if len(text) <= 80 else text[:77] + "..."

    def skipped(self, node: ast.AST) -> bool:
        lineno = getattr(node, "lineno", None)
        return lineno is not None and NO_MUTATE in self.lines[lineno - 1]

    def sites(self, tree: ast.Module) -> Iterator[tuple[str, _Site]]:
        yield from self._visit(tree, None, None, [])

    def _visit(self, node: ast.AST, parent: ast.AST | None, outer: str | None,
               scope: list[str]) -> Iterator[tuple[str, _Site]]:
        if self.skipped(node) or _is_log_call(node) or (isinstance(node, ast.Expr) and _is_log_call(node.value)):
            return
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            scope = [*scope, node.name]
            if isinstance(node, ast.ClassDef):
                for child in node.body:
                    yield from self._visit(child, node, outer, scope)
                return
            if outer is None:
                outer = ".".join(scope)
            for stmt in node.body:  # decorators and defaults are evaluated once, at import: not mutated
                yield from self._visit(stmt, node, outer, scope)
            return
        if outer is not None and not isinstance(node, (ast.Lambda,)) and not (
                isinstance(parent, ast.AnnAssign) and node is parent.annotation):
            for site in _sites(node, parent, self.segment):
                yield outer, site
        if isinstance(node, ast.JoinedStr):
            return  # f-string text is messages
        for child in ast.iter_child_nodes(node):
            if isinstance(node, ast.arguments):
                continue
            if isinstance(child, (ast.expr_context,)):
                continue
            yield from self._visit(child, node, outer, scope)


def discover(path: Path) -> list[Mutant]:
    source = path.read_text()
    tree = ast.parse(source)
    walker = _Walker(source)
    mutants: list[Mutant] = []
    seen: dict[str, int] = {}
    rel = str(path.relative_to(ROOT))
    for index, (qualname, site) in enumerate(walker.sites(tree)):
        base = f"{rel}::{qualname}::{site.description}"
        seen[base] = seen.get(base, 0) + 1
        key = base if seen[base] == 1 else f"{base} #{seen[base]}"
        mutants.append(Mutant(rel, qualname, getattr(site.node, "lineno", 0), site.description, key, index))
    return mutants


def mutated_code(path: Path, mutant: Mutant) -> types.CodeType:
    """The code object of `mutant.qualname` compiled from the mutated module."""
    source = path.read_text()
    tree = ast.parse(source)
    walker = _Walker(source)
    site = next((site for index, (_, site) in enumerate(walker.sites(tree)) if index == mutant.index), None)
    if site is None:
        raise LookupError(mutant.key)
    target = site.node
    replacement = site.apply(copy.deepcopy(target))
    _replace(tree, target, replacement)
    ast.fix_missing_locations(tree)
    module_code = compile(tree, str(path), "exec")
    found = _find_code(module_code, mutant.qualname)
    if found is None:
        raise LookupError(f"no code object {mutant.qualname}")
    return found


def _replace(tree: ast.AST, target: ast.AST, replacement: ast.AST | None) -> None:
    for parent in ast.walk(tree):
        for name, value in ast.iter_fields(parent):
            if isinstance(value, list):
                for i, item in enumerate(value):
                    if item is target:
                        if replacement is None:
                            value[i] = ast.Pass()
                            ast.copy_location(value[i], target)
                        else:
                            value[i] = ast.copy_location(replacement, target)
                        return
            elif value is target:
                assert replacement is not None
                setattr(parent, name, ast.copy_location(replacement, target))
                return
    raise LookupError("mutation site not found")


def _find_code(code: types.CodeType, qualname: str) -> types.CodeType | None:
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            if const.co_qualname == qualname:
                return const
            found = _find_code(const, qualname)
            if found is not None:
                return found
    return None


def module_name(rel: str) -> str:
    return rel.removeprefix("src/").removesuffix(".py").removesuffix("/__init__").replace("/", ".")


def live_function(module: types.ModuleType, qualname: str) -> types.FunctionType:
    obj: Any = module
    for part in qualname.split("."):
        holder = obj
        obj = holder.__dict__[part] if isinstance(holder, type) and part in holder.__dict__ else getattr(holder, part)
    if isinstance(obj, (staticmethod, classmethod)):
        obj = obj.__func__
    if isinstance(obj, property):
        obj = obj.fget
    while not isinstance(obj, types.FunctionType) and hasattr(obj, "__wrapped__"):
        obj = obj.__wrapped__
    if not isinstance(obj, types.FunctionType):
        raise LookupError(f"{qualname} is not a plain function")
    return obj


# --- running tests in forked children ---------------------------------------------------------------


def _hypothesis_profile() -> None:
    try:
        from hypothesis import HealthCheck, settings
    except ImportError:
        return
    # No deadline (2 busy cores make timings meaningless), no example database shared between mutants, and
    # the same examples on every run, so a survivor is a survivor every time.
    settings.register_profile("mutation", deadline=None, database=None, derandomize=True,
                              suppress_health_check=list(HealthCheck))
    settings.load_profile("mutation")


def _quiet() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)


def _outer_codes(rel: str) -> dict[types.CodeType, str]:
    """Code objects of every function in `rel` (nested ones under their outermost function's name)."""
    import importlib

    module = importlib.import_module(module_name(rel))
    tree = ast.parse((ROOT / rel).read_text())
    codes: dict[types.CodeType, str] = {}
    for qualname in _outer_functions(tree):
        try:
            func = live_function(module, qualname)
        except (LookupError, AttributeError, KeyError):
            continue
        _add_codes(func.__code__, qualname, codes)
    return codes


def _add_codes(code: types.CodeType, name: str, codes: dict[types.CodeType, str]) -> None:
    codes[code] = name
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            _add_codes(const, name, codes)


def _outer_functions(tree: ast.Module) -> Iterator[str]:
    def visit(body: list[ast.stmt], scope: list[str]) -> Iterator[str]:
        for node in body:
            if isinstance(node, ast.ClassDef):
                yield from visit(node.body, [*scope, node.name])
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield ".".join([*scope, node.name])
    yield from visit(tree.body, [])


@dataclass(slots=True)
class Outcome:
    mutant: Mutant
    status: str  # killed | timeout | survived | no-tests | error | not-run
    seconds: float = 0.0
    detail: str = ""


@dataclass(slots=True)
class _Running:
    mutant: Mutant
    pid: int
    started: float
    deadline: float


class _Failed(Exception):
    pass


@dataclass
class Runner:
    """A pytest plugin that takes over the run loop: the tests are collected once (in this process),
    then every run of them (the call recording, each mutant) happens in a forked child."""

    files: list[str]
    mutants: list[Mutant]
    jobs: int
    budget: float
    progress: Callable[[Outcome], None]
    out: Callable[[str], None]
    outcomes: list[Outcome] = field(default_factory=list)
    calls: dict[str, list[str]] = field(default_factory=dict)
    durations: dict[str, float] = field(default_factory=dict)
    error: str = ""
    _items: dict[str, Any] = field(default_factory=dict)
    _failed: bool = False
    _current: set[str] = field(default_factory=set)
    _codes: dict[types.CodeType, str] = field(default_factory=dict)

    # -- hooks -------------------------------------------------------------------------------------

    def pytest_runtestloop(self, session: Any) -> bool:
        self._items = {item.nodeid: item for item in session.items}
        started = time.monotonic()
        if not self._record(session):
            return True
        self.out(f"baseline: {len(self._items)} tests run once with call recording in "
                 f"{time.monotonic() - started:.1f}s; {len(self.mutants)} mutants, {self.jobs} at a time")
        self._run_mutants()
        return True

    def pytest_runtest_logreport(self, report: Any) -> None:
        if report.failed:
            self._failed = True
        if report.when == "call" or report.failed:
            self.durations[report.nodeid] = self.durations.get(report.nodeid, 0.0) + report.duration

    # -- running items in a child -------------------------------------------------------------------

    def _run_items(self, nodeids: list[str], stop_on_failure: bool,
                   after_each: Callable[[str], None] | None = None) -> None:
        items = [self._items[n] for n in nodeids]
        for i, item in enumerate(items):
            nextitem = items[i + 1] if i + 1 < len(items) else None
            item.config.hook.pytest_runtest_protocol(item=item, nextitem=nextitem)
            if after_each is not None:
                after_each(item.nodeid)
            if self._failed and stop_on_failure:
                raise _Failed

    def _profile(self, frame: types.FrameType, event: str, _arg: object) -> None:
        if event == "call":
            name = self._codes.get(frame.f_code)
            if name is not None:
                self._current.add(name)

    def _record(self, session: Any) -> bool:
        """Run every test once in a child, recording which target functions each one calls."""
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
            path = Path(tmp.name)
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                import threading

                for rel in self.files:
                    for c, name in _outer_codes(rel).items():
                        self._codes[c] = f"{rel}::{name}"
                calls: dict[str, list[str]] = {}
                failed: list[str] = []
                lost: list[str] = []

                def after(nodeid: str) -> None:
                    if sys.getprofile() is not self._profile:
                        # CPython drops a profile function that raised (a RecursionError deep in a
                        # test, say): re-arm it, or every later test would look as if it called nothing.
                        lost.append(nodeid)
                        sys.setprofile(self._profile)
                    for name in self._current:
                        calls.setdefault(name, []).append(nodeid)
                    self._current = set()
                    if self._failed:
                        failed.append(nodeid)
                        self._failed = False

                _quiet()
                sys.setprofile(self._profile)
                threading.setprofile(self._profile)
                self._run_items(list(self._items), stop_on_failure=False, after_each=after)
                sys.setprofile(None)
                path.write_text(json.dumps({"calls": calls, "durations": self.durations, "failed": failed,
                                            "lost": lost}))
                code = 0
            finally:
                os._exit(code)
        os.waitpid(pid, 0)
        data = json.loads(path.read_text() or "{}")
        path.unlink()
        if not data:
            self.error = "the recording run crashed"
            return False
        if data.get("lost"):
            print(f"mutation: the call recorder was dropped during {data['lost'][:3]} and re-armed", file=sys.stderr)
        if data["failed"]:
            self.error = f"the tests fail without any mutant: {data['failed'][:10]}"
            return False
        self.calls, self.durations = data["calls"], data["durations"]
        return True

    def _child(self, mutant: Mutant, tests: list[str]) -> None:
        code = 3
        try:
            import importlib

            module = importlib.import_module(module_name(mutant.path))
            func = live_function(module, mutant.qualname)
            func.__code__ = mutated_code(ROOT / mutant.path, mutant)
            _quiet()
            self._run_items(tests, stop_on_failure=True)
            code = 1 if self._failed else 0
        except _Failed:
            code = 1
        except BaseException as exc:
            os.write(2, repr(exc).encode())
            code = 99
        finally:
            os._exit(code)

    def _run_mutants(self) -> None:
        pending = list(self.mutants)
        running: dict[int, _Running] = {}
        stop_at = time.monotonic() + self.budget if self.budget > 0 else float("inf")

        def finish(outcome: Outcome) -> None:
            self.outcomes.append(outcome)
            self.progress(outcome)

        while pending or running:
            while pending and len(running) < self.jobs and time.monotonic() < stop_at:
                mutant = pending.pop(0)
                tests = sorted(self.calls.get(f"{mutant.path}::{mutant.qualname}", []),
                               key=lambda t: self.durations.get(t, 0.0))
                if not tests:
                    finish(Outcome(mutant, "no-tests"))
                    continue
                expected = sum(self.durations.get(t, 0.0) for t in tests)
                pid = os.fork()
                if pid == 0:
                    self._child(mutant, tests)
                now = time.monotonic()
                running[pid] = _Running(mutant, pid, now, now + 10 * expected + 10.0)
            if not running:
                break
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                now = time.monotonic()
                for r in list(running.values()):
                    if now > r.deadline:
                        os.kill(r.pid, signal.SIGKILL)
                        os.waitpid(r.pid, 0)
                        del running[r.pid]
                        finish(Outcome(r.mutant, "timeout", now - r.started))
                select.select([], [], [], 0.01)
                continue
            r = running.pop(pid)
            rc = os.waitstatus_to_exitcode(status)
            elapsed = time.monotonic() - r.started
            if rc == 0:
                finish(Outcome(r.mutant, "survived", elapsed))
            elif rc == 99:
                finish(Outcome(r.mutant, "error", elapsed, "the mutant could not be applied"))
            else:
                finish(Outcome(r.mutant, "killed", elapsed, f"exit {rc}"))
        for mutant in pending:
            self.outcomes.append(Outcome(mutant, "not-run"))


# --- accepted survivors -------------------------------------------------------------------------------


def load_accepted() -> dict[str, str]:
    if not ACCEPTED_FILE.exists():
        return {}
    entries = yaml.safe_load(ACCEPTED_FILE.read_text()) or []
    return {str(e["key"]): str(e["reason"]) for e in entries}


def save_accepted(accepted: dict[str, str]) -> None:
    header = ("# Mutants that survive the unit tests and are accepted as equivalent (no test could tell them\n"
              "# apart from the real code), each with the reason. Keyed by file::function::mutation; written by\n"
              "# scripts/mutation.py --prune / --add-new (new entries get reason TODO until someone explains them).\n")
    body = yaml.safe_dump([{"key": k, "reason": v} for k, v in sorted(accepted.items())],
                          allow_unicode=True, sort_keys=False, width=200)
    ACCEPTED_FILE.write_text(header + body)


# --- main -----------------------------------------------------------------------------------------------


def select_files(names: list[str]) -> dict[str, list[str]]:
    chosen: dict[str, list[str]] = {}
    for name in names or list(GROUPS):
        patterns = GROUPS.get(name, [name])
        files = sorted({str(p.relative_to(ROOT)) for pat in patterns for p in ROOT.glob(pat)})
        files = [f for f in files if "def " in (ROOT / f).read_text()]  # skip files with no function
        if not files:
            raise SystemExit(f"no source files match {name!r}")
        chosen[name] = files
    return chosen


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("targets", nargs="*", help="groups (" + ", ".join(GROUPS) + ") or source files")
    parser.add_argument("--jobs", "-j", type=int, default=1, help="mutants run at once (default 1)")
    parser.add_argument("--budget", type=float, default=0, help="stop starting mutants after this many seconds")
    parser.add_argument("--quick", type=int, default=0, metavar="N",
                        help="only about 1 in N mutants, chosen by a hash of their key (a stable sample, for CI)")
    parser.add_argument("--goal", type=float, default=0, help="exit 1 when a group scores below this percentage")
    parser.add_argument("--function", help="only mutants in functions whose name contains this")
    parser.add_argument("--json", type=Path, help="write every outcome to this file")
    parser.add_argument("--previous", type=Path,
                        help="outcomes of an earlier --json run on the same code: mutants killed there count as "
                             "killed without running again (only valid when only tests changed since)")
    parser.add_argument("--prune", action="store_true", help="drop accepted entries whose mutant no longer exists")
    parser.add_argument("--add-new", action="store_true", help="add new survivors to the accepted file (reason TODO)")
    parser.add_argument("--verbose", "-v", action="store_true", help="print every outcome as it comes")
    args = parser.parse_args(argv)

    os.chdir(ROOT)
    sys.path[:0] = [str(SRC), str(ROOT)]
    groups = select_files(args.targets)
    files = [f for fs in groups.values() for f in fs]
    # A group's extra tests come along whenever one of its files is mutated, however it was named.
    chosen = set(files)
    extra = [t for g in GROUPS if chosen & set(select_files([g])[g]) for t in EXTRA_TESTS.get(g, [])
             if (ROOT / t).exists()]
    test_args = [*TESTS, *extra, *[f"--ignore={p}" for p in IGNORE]]

    started = time.monotonic()
    mutants: list[Mutant] = []
    for rel in files:
        found = discover(ROOT / rel)
        if args.function:
            found = [m for m in found if args.function in m.qualname]
        if args.quick > 1:  # a sample chosen by key, so it stays the same while the code around it moves
            found = [m for m in found if zlib.crc32(m.key.encode()) % args.quick == 0]
        mutants.extend(found)

    carried: list[Outcome] = []
    if args.previous:
        before = {o["key"]: o["status"] for o in json.loads(args.previous.read_text())}
        carried = [Outcome(m, "killed", 0.0, "in the previous run") for m in mutants
                   if before.get(m.key) in ("killed", "timeout")]
        mutants = [m for m in mutants if before.get(m.key) not in ("killed", "timeout")]
    done = 0
    stdout = os.dup(1)

    def out(line: str) -> None:
        os.write(stdout, (line + "\n").encode())

    def progress(outcome: Outcome) -> None:
        nonlocal done
        done += 1
        if args.verbose:
            out(f"  [{done}/{len(mutants)}] {outcome.status:8} {outcome.seconds:5.1f}s {outcome.mutant.key}")
        elif done % 50 == 0:
            out(f"  ... {done}/{len(mutants)} ({time.monotonic() - started:.0f}s)")

    import pytest

    _hypothesis_profile()
    runner = Runner(files, mutants, args.jobs, args.budget, progress, out)
    rc = pytest.main([*test_args, *PYTEST_ARGS, "-p", "no:randomly"], plugins=[runner])
    if runner.error or (rc not in (0, 5) and not runner.outcomes):
        out(f"mutation: {runner.error or f'pytest exit {rc}'}")
        return 2
    outcomes = carried + runner.outcomes
    elapsed = time.monotonic() - started
    return report(groups, outcomes, args, elapsed)


def report(groups: dict[str, list[str]], outcomes: list[Outcome], args: argparse.Namespace, elapsed: float) -> int:
    accepted = load_accepted()
    by_file: dict[str, list[Outcome]] = {}
    for o in outcomes:
        by_file.setdefault(o.mutant.path, []).append(o)
    failed = False
    new: list[Outcome] = []
    print()
    print(f"{'file':44} {'mutants':>7} {'killed':>6} {'accepted':>8} {'new':>4} {'no-test':>7} {'score':>6}")
    for group, files in groups.items():
        g_total = g_killed = 0
        for rel in files:
            rows = [o for o in by_file.get(rel, []) if o.status != "not-run"]
            killed = sum(o.status in ("killed", "timeout") for o in rows)
            survivors = [o for o in rows if o.status in ("survived", "no-tests", "error")]
            ok = [o for o in survivors if accepted.get(o.mutant.key, "TODO") != "TODO"]
            unexplained = [o for o in survivors if o not in ok]
            new.extend(unexplained)
            g_total += len(rows)
            g_killed += killed
            score = 100.0 * killed / len(rows) if rows else 100.0
            no_tests = sum(o.status == "no-tests" for o in rows)
            print(f"{rel:44} {len(rows):7} {killed:6} {len(ok):8} {len(unexplained):4} {no_tests:7} {score:5.1f}%")
        g_score = 100.0 * g_killed / g_total if g_total else 100.0
        print(f"{'= ' + group:44} {g_total:7} {g_killed:6} {'':8} {'':4} {'':7} {g_score:5.1f}%")
        if args.goal and g_score < args.goal:
            failed = True
    not_run = sum(o.status == "not-run" for o in outcomes)
    print(f"\n{len(outcomes) - not_run} mutants run in {elapsed:.0f}s" +
          (f"; {not_run} not run (time budget)" if not_run else ""))

    current_keys = {o.mutant.key for o in outcomes}
    ran_files = set(by_file)
    stale = [k for k in accepted if k.split("::", 1)[0] in ran_files and k not in current_keys and not args.function
             and args.quick <= 1]
    if stale:
        print(f"{len(stale)} accepted survivors no longer exist (dropped; --prune removes them):")
        for k in stale:
            print(f"  - {k}")
    if new:
        failed = True
        print(f"\n{len(new)} survivors not in {ACCEPTED_FILE.relative_to(ROOT)}:")
        for o in sorted(new, key=lambda o: (o.mutant.path, o.mutant.lineno)):
            print(f"  {o.mutant.path}:{o.mutant.lineno}: [{o.status}] {o.mutant.key}")
    if args.json:
        args.json.write_text(json.dumps([{"key": o.mutant.key, "line": o.mutant.lineno, "status": o.status,
                                          "seconds": round(o.seconds, 2)} for o in outcomes], indent=1))
    if args.prune or args.add_new:
        if args.prune:
            for k in stale:
                accepted.pop(k, None)
        if args.add_new:
            for o in new:
                accepted.setdefault(o.mutant.key, "TODO")
        save_accepted(accepted)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
