"""The store's layout, read from the source (AST): engine <- repositories <- the Store facade <- its users.

Repositories and the engine never import the facade (``legevakt.store.db``), and no two store modules
import each other in a circle (``TYPE_CHECKING`` imports count: the old db.py <-> outbox.py circle was one).
"""

from __future__ import annotations

import ast
from pathlib import Path

import legevakt.store

STORE = Path(legevakt.store.__file__).resolve().parent
PACKAGE = "legevakt.store"
FACADE = "legevakt.store.db"
FACADE_USERS = {"legevakt.store", "legevakt.store.writer"}  # the package's public names and the DbWriter


def module_name(path: Path) -> str:
    parts = list(path.relative_to(STORE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([PACKAGE, *parts])


def store_modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(STORE.rglob("*.py")) if "migrations" not in p.parts}


def imports_of(path: Path, known: set[str]) -> set[str]:
    """The legevakt.store modules ``path`` imports, wherever the import statement sits."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            # ``from legevakt.store import outbox`` imports the submodule
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name in known}


def graph() -> dict[str, set[str]]:
    modules = store_modules()
    return {name: imports_of(path, set(modules)) - {name} for name, path in modules.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Every import circle (one path per circle found by depth-first search), among non-package modules."""
    found: list[list[str]] = []
    nodes = {n for n in edges if n != PACKAGE}  # the package __init__ only re-exports; it is nobody's dependency

    def walk(node: str, path: list[str]) -> None:
        for nxt in sorted(edges[node] & nodes):
            if nxt in path:
                found.append([*path[path.index(nxt):], nxt])
            elif nxt > path[0]:  # each circle once, from its smallest module
                walk(nxt, [*path, nxt])

    for start in sorted(nodes):
        walk(start, [start])
    return found


def test_the_layout_is_read_from_the_real_package() -> None:
    edges = graph()
    assert {"legevakt.store.engine", "legevakt.store.repositories.queue", "legevakt.store.repositories.alerts",
            "legevakt.store.repositories.outbox", "legevakt.store.repositories.audit",
            "legevakt.store.repositories.ledger", FACADE} <= set(edges)
    assert "legevakt.store.engine" in edges[FACADE]  # the checker sees imports at all


def test_only_the_facades_users_import_the_facade() -> None:
    importers = {name for name, deps in graph().items() if FACADE in deps}
    assert importers <= FACADE_USERS


def test_repositories_depend_on_the_engine_and_never_on_the_facade_or_the_writer() -> None:
    edges = graph()
    repositories = {n for n in edges if n.startswith(f"{PACKAGE}.repositories.")}
    assert len(repositories) == 5  # queue, alerts, outbox, audit, ledger
    for name in repositories:
        assert "legevakt.store.engine" in edges[name], name
        assert not edges[name] & {FACADE, "legevakt.store.writer", PACKAGE}, name


def test_the_engine_knows_no_repository_and_no_facade() -> None:
    deps = graph()["legevakt.store.engine"]
    assert not {d for d in deps if d.startswith(f"{PACKAGE}.repositories")}
    assert FACADE not in deps and PACKAGE not in deps


def test_no_two_store_modules_import_each_other_in_a_circle() -> None:
    assert cycles(graph()) == []


def test_the_circle_finder_finds_the_old_db_outbox_circle() -> None:
    old = {FACADE: {"legevakt.store.outbox"}, "legevakt.store.outbox": {FACADE}}
    assert cycles(old) == [[FACADE, "legevakt.store.outbox", FACADE]]
