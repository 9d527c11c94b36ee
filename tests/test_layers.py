"""The layers of style.md, kept by a test over the import graph of every module.

domain imports only the standard library and itself; db never imports etl, app or the use
cases; etl never imports app, the use cases or the command line; components never touch the
database; pages call use cases and named queries, never SQL.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("zielcockpit", "db", "etl", "app")
CLI_MODULES = ("zielcockpit.cli",)  # the package: every command module


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(source: str, module: str) -> set[str]:
    """Every module a source imports, at the top or inside a function (relative ones resolved)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(module.split(".")[: -node.level] + ([base] if base else []))
            found.add(base)
            # `from app import ids` imports the module app.ids
            found.update(f"{base}.{a.name}" for a in node.names)
    return found


def under(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def violations(module: str, imported: set[str]) -> list[str]:
    """The layer rules broken by one module's imports (pure, so the rules are tested too)."""
    out: list[str] = []

    def refuse(*prefixes: str, why: str) -> None:
        out.extend(f"{module} imports {i}: {why}" for i in sorted(imported) if under(i, *prefixes))

    if under(module, "zielcockpit.domain"):
        for i in sorted(imported):
            top = i.split(".")[0]
            if top not in sys.stdlib_module_names and not under(i, "zielcockpit.domain"):
                out.append(f"{module} imports {i}: the domain is pure (standard library only)")
    if under(module, "db"):
        refuse("etl", "app", "zielcockpit.services", *CLI_MODULES, why="db is below etl and app")
    if under(module, "db"):
        refuse("yaml", "openpyxl", "python_calamine", why="db never reads files (etl does)")
    if under(module, "etl"):
        refuse("app", "zielcockpit.services", *CLI_MODULES, why="etl is below app and the CLI")
        refuse("db", "sqlalchemy", why="etl reads files and never touches the database")
    if under(module, "zielcockpit.services"):
        refuse("app", *CLI_MODULES, why="use cases are called by app and CLI, not the reverse")
    if under(module, "zielcockpit.cli") and module != "zielcockpit.cli.serve":
        refuse("app", why="only `zielcockpit.cli.serve` starts the app")
    if under(module, "app.components"):
        refuse("sqlalchemy", "db.engine", "db.models", why="components never touch the database")
    if under(module, "app.pages"):
        refuse("sqlalchemy", "db.engine", "db.models", why="pages call queries, never SQL")
    return out


def all_modules() -> list[tuple[str, Path]]:
    return [
        (module_name(p), p)
        for package in PACKAGES
        for p in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in p.parts
    ]


def test_lay001_every_module_keeps_its_layer() -> None:
    modules = all_modules()
    assert len(modules) > 50  # the walk really found the code
    broken = [
        v for name, path in modules for v in violations(name, imports_of(path.read_text(), name))
    ]
    assert broken == []


@pytest.mark.parametrize(
    ("module", "source", "expected"),
    [
        ("zielcockpit.domain.x", "import pandas", "the domain is pure"),
        ("zielcockpit.domain.x", "from db.models import Plan", "the domain is pure"),
        ("db.x", "def f():\n    from etl.staging import stage", "db is below"),
        ("etl.x", "from app import ids", "etl is below"),
        ("etl.x", "import zielcockpit.cli", "etl is below"),
        ("app.components.x", "from db.engine import transaction", "components never"),
        ("app.pages.x", "from sqlalchemy import select", "pages call queries"),
        ("zielcockpit.services.x", "from app.security import current_principal", "use cases"),
        ("zielcockpit.cli.status", "from app import create_app", "only `zielcockpit.cli.serve`"),
        ("db.x", "from zielcockpit.cli.common import UserError", "db is below"),
        ("db.x", "import yaml", "db never reads files"),
        ("etl.x", "from db.models import Plan", "etl reads files and never"),
        ("etl.x", "from sqlalchemy import select", "etl reads files and never"),
    ],
)
def test_lay002_a_broken_rule_is_found(module: str, source: str, expected: str) -> None:
    found = violations(module, imports_of(source, module))
    assert found and expected in found[0]


def test_lay003_allowed_imports_pass() -> None:
    assert (
        violations(
            "zielcockpit.domain.x",
            imports_of("import re\nfrom .periods import P", "zielcockpit.domain.x"),
        )
        == []
    )
    assert (
        violations(
            "zielcockpit.services.x",
            imports_of("import etl.staging\nimport db.models", "zielcockpit.services.x"),
        )
        == []
    )


def test_lay004_only_serve_starts_the_app() -> None:
    assert not violations("zielcockpit.cli.serve", {"app"})


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan), i.e. import circles."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                item = stack.pop()
                on_stack.discard(item)
                group.append(item)
                if item == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_lay005_circles_are_found() -> None:
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_lay006_no_module_imports_itself_back() -> None:
    """No import circle between modules, lazy imports inside functions included."""
    modules = dict(all_modules())
    graph = {
        name: {i for i in imports_of(path.read_text(), name) if i in modules and i != name}
        for name, path in modules.items()
    }
    # a package's __init__ may import its own modules (zielcockpit.cli registers its commands)
    for name in graph:
        graph[name] = {i for i in graph[name] if not under(i, name) or "." not in i[len(name) :]}
    assert circles(graph) == []
