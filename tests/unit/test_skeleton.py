"""Each service's tree against the one skeleton of ``docs/skeleton.md``.

Read from the source (``ast``), not imported: a violation names the file and the line.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Iterator
from importlib import import_module
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ["ledger", "scheduler", "notifier", "letters", "portal"]

# Programs of their own that stand in for the outside world, not parts of the service.
NOT_THE_SERVICE = {"letters": ("sandbox/", "sample.py")}

# What a module outside the repository may take from SQLAlchemy: types for hints and the
# error classes, no means of writing SQL.
TYPES_ONLY = {
    "sqlalchemy.ext.asyncio": {
        "AsyncSession",
        "AsyncConnection",
        "AsyncEngine",
        "async_sessionmaker",
    },
    "sqlalchemy": {"Table", "Row", "RowMapping", "exc"},
    "sqlalchemy.exc": None,  # any error class
    "sqlalchemy.engine": {"Row", "RowMapping"},
}
NAMES = {"AsyncSession": "session", "AsyncConnection": "conn", "UnitOfWork": "uow"}


def package(service: str) -> Path:
    return ROOT / "services" / service / "src" / "encaisse" / service


def modules(service: str) -> Iterator[tuple[str, ast.Module]]:
    root = package(service)
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root).as_posix()
        if rel.startswith(NOT_THE_SERVICE.get(service, ())):
            continue
        yield rel, ast.parse(path.read_text(), filename=str(path))


def in_repository(rel: str) -> bool:
    return rel in ("db.py", "repository.py") or rel.startswith("repository/")


@pytest.mark.parametrize("service", SERVICES)
def test_the_service_has_the_skeleton_s_parts(service):
    root = package(service)
    missing = [
        part
        for part, there in [
            ("app.py", (root / "app.py").is_file()),
            ("settings.py", (root / "settings.py").is_file()),
            ("db.py", (root / "db.py").is_file()),
            ("handlers.py", (root / "handlers.py").is_file()),
            ("domain/", (root / "domain" / "__init__.py").is_file()),
            ("repository", (root / "repository.py").is_file() or (root / "repository").is_dir()),
            ("usecases", (root / "usecases.py").is_file() or (root / "usecases").is_dir()),
            ("api/__init__.py", (root / "api" / "__init__.py").is_file()),
            ("api/deps.py", (root / "api" / "deps.py").is_file()),
        ]
        if not there
    ]
    assert not missing, f"{service} lacks {missing}"


@pytest.mark.parametrize("service", SERVICES)
def test_the_composition_root_has_one_shape(service):
    app = import_module(f"encaisse.{service}.app")
    handlers = import_module(f"encaisse.{service}.handlers")
    api = import_module(f"encaisse.{service}.api")
    parts = getattr(app, f"{service.capitalize()}Parts")
    assert parts.__dataclass_params__.frozen, f"{service}: its parts are a frozen dataclass"
    for factory in (app.bootstrap, app.build_app):
        params = list(inspect.signature(factory).parameters)
        assert params == ["settings", "clock"], f"{service}.app.{factory.__name__}{params}"
    assert list(inspect.signature(handlers.handlers).parameters) == ["parts"]
    assert handlers.QUEUES, f"{service}.handlers.QUEUES"
    assert api.ROUTERS, f"{service}.api.ROUTERS"


def _sql_imports(tree: ast.Module) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == "sqlalchemy":
                    yield node.lineno, f"import {alias.name}"
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("sqlalchemy"):
            allowed = TYPES_ONLY.get(node.module or "", set())
            for alias in node.names:
                if allowed is not None and alias.name not in allowed:
                    yield node.lineno, f"from {node.module} import {alias.name}"


@pytest.mark.parametrize("service", SERVICES)
def test_sql_lives_in_the_repository_only(service):
    found = [
        f"services/{service}/.../{rel}:{line}: {what}"
        for rel, tree in modules(service)
        if not in_repository(rel)
        for line, what in _sql_imports(tree)
    ]
    assert not found, "SQL outside the repository:\n" + "\n".join(found)


def _clock_reads(tree: ast.Module) -> Iterator[int]:
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("now", "today", "utcnow")
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in ("datetime", "date")
        ):
            yield node.lineno


@pytest.mark.parametrize("service", SERVICES)
def test_the_time_comes_from_the_service_s_clock(service):
    found = [
        f"services/{service}/.../{rel}:{line}"
        for rel, tree in modules(service)
        for line in _clock_reads(tree)
    ]
    assert not found, "reads the time outside the runtime's clock:\n" + "\n".join(found)


def _app_state(tree: ast.Module) -> Iterator[int]:
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "state"
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "app"
        ):
            yield node.lineno


@pytest.mark.parametrize("service", SERVICES)
def test_dependencies_are_bound_once_not_looked_up_on_the_app(service):
    found = [
        f"services/{service}/.../{rel}:{line}"
        for rel, tree in modules(service)
        if rel not in ("app.py", "api/deps.py")
        for line in _app_state(tree)
    ]
    assert not found, "app.state read outside app.py and api/deps.py:\n" + "\n".join(found)


def _misnamed(tree: ast.Module) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for arg in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]:
            kind = arg.annotation
            name = kind.id if isinstance(kind, ast.Name) else getattr(kind, "attr", None)
            if name in NAMES and arg.arg != NAMES[name]:
                yield node.lineno, f"{node.name}({arg.arg}: {name}) is named {NAMES[name]!r}"


@pytest.mark.parametrize("service", SERVICES)
def test_a_database_session_has_one_name(service):
    found = [
        f"services/{service}/.../{rel}:{line}: {what}"
        for rel, tree in modules(service)
        for line, what in _misnamed(tree)
    ]
    assert not found, "\n".join(found)


def test_the_checks_find_what_they_look_for():
    """Each check catches its violation (a skeleton test that cannot fail proves nothing)."""
    bad = ast.parse(
        "from sqlalchemy import select\n"
        "from datetime import datetime\n"
        "def f(s: AsyncSession, request):\n"
        "    request.app.state.clock\n"
        "    return datetime.now()\n"
    )
    assert [line for line, _ in _sql_imports(bad)] == [1]
    assert list(_clock_reads(bad)) == [5]
    assert list(_app_state(bad)) == [4]
    assert [line for line, _ in _misnamed(bad)] == [3]
    good = ast.parse("from sqlalchemy.ext.asyncio import AsyncSession\n")
    assert list(_sql_imports(good)) == []
