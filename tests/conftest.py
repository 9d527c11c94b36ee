"""Fixtures: real databases (a SQLite file and a PostgreSQL database) built from templates.

A template per backend and stage (migrated / catalogue loaded / demo values) is built once per
session; each test gets its own copy (a copied file, or `CREATE DATABASE ... TEMPLATE ...`), so
tests cannot see each other's writes and concurrent test runs cannot collide.

Which backends a test runs on (the `backend` parameter, set in `pytest_generate_tests`):

- A test marked `sql` runs on SQLite and on PostgreSQL. The marker is for tests whose point is
  what the database does, where the dialect can matter: named queries and the evaluation's fetch
  (`load_plan_data`), locks, version checks and concurrent writers, transactions, migrations,
  values stored by the importer or the form (upserts, history, corrections), backup and restore,
  several instances or workers on one database, the job queue. A module says it with one line,
  `pytestmark = pytest.mark.sql`; a single test with `@pytest.mark.sql`. When in doubt about a
  query-heavy test, mark it.
- Every other test that uses a database runs on SQLite alone: layouts, rules, parsing, the
  guard, texts, exports; the database there is only where the test data lives.
- A test may still choose its backends itself (`@pytest.mark.parametrize("backend", [...])`);
  that choice is kept.

Every PostgreSQL case carries the `postgres` marker (`-m "not postgres"` leaves them out), every
test that drives Chromium the `browser` marker (by the `browser` fixture, or `browser` in its
file's path). `make check` runs `-m "not browser and not postgres"`; `make test` runs all.
"""

from __future__ import annotations

import itertools
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from db.demo import seed_demo
from db.engine import make_engine, normalise_url
from db.migrate import upgrade
from zielcockpit.services.catalogue import load_catalogue
from zielcockpit.settings import CATALOGUE_DIR

CATALOGUES = sorted(CATALOGUE_DIR.glob("*.yaml"))
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/test"
STAGES = ("migrated", "catalogue", "demo")
_RUN = uuid.uuid4().hex[:8]
_counter = itertools.count()


BACKENDS = ("sqlite", "postgresql")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgres: needs a PostgreSQL server")


def _chooses_backend(metafunc: pytest.Metafunc) -> bool:
    """The test parametrises `backend` itself (a parametrize mark naming it)."""
    for mark in metafunc.definition.iter_markers("parametrize"):
        names = mark.args[0] if mark.args else mark.kwargs.get("argnames", ())
        if isinstance(names, str):
            names = [n.strip() for n in names.split(",")]
        if "backend" in names:
            return True
    return False


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" not in metafunc.fixturenames or _chooses_backend(metafunc):
        return
    marked = metafunc.definition.get_closest_marker("sql") is not None
    metafunc.parametrize("backend", BACKENDS if marked else ("sqlite",), indirect=True)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        fixtures = getattr(item, "fixturenames", ())
        on_pg = callspec is not None and callspec.params.get("backend") == "postgresql"
        if on_pg or "pg_admin" in fixtures:
            item.add_marker(pytest.mark.postgres)
        if "browser" in fixtures or "browser" in item.path.name or "browser" in item.path.parts:
            item.add_marker(pytest.mark.browser)


def _require(name: str) -> bool:
    return os.environ.get(name, "") == "1"


def _build(engine: Engine, stage: str) -> None:
    upgrade(engine)
    if stage in ("catalogue", "demo"):
        for path in CATALOGUES:
            load_catalogue(engine, path)
    if stage == "demo":
        seed_demo(engine, "2017")


# -- PostgreSQL -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[Engine]:
    url = os.environ.get("TEST_DATABASE_URL", DEFAULT_PG)
    engine = create_engine(normalise_url(url), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means: no server here
        engine.dispose()
        reason = f"PostgreSQL unter {url} nicht erreichbar: {str(exc).splitlines()[0]}"
        if _require("ZIELCOCKPIT_REQUIRE_POSTGRES"):
            pytest.fail(reason + " (ZIELCOCKPIT_REQUIRE_POSTGRES=1)")
        pytest.skip(reason)
    yield engine
    engine.dispose()


def _pg_url(admin: Engine, database: str) -> str:
    return make_url(admin.url).set(database=database).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_templates(pg_admin: Engine) -> Iterator[dict[str, str]]:
    names = {stage: f"zc_tpl_{_RUN}_{stage}" for stage in STAGES}
    with pg_admin.connect() as conn:
        for name in names.values():
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        for stage, name in names.items():
            engine = make_engine(_pg_url(pg_admin, name))
            _build(engine, stage)
            engine.dispose()
        yield names
    finally:
        with pg_admin.connect() as conn:
            for name in names.values():
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


# -- SQLite -----------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("templates")
    paths = {}
    for stage in STAGES:
        path = folder / f"{stage}.db"
        engine = make_engine(f"sqlite:///{path}")
        _build(engine, stage)
        engine.dispose()
        paths[stage] = path
    return paths


# -- per test ---------------------------------------------------------------------------------------


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """ "sqlite" or "postgresql", as `pytest_generate_tests` (or the test's own mark) chose."""
    return str(getattr(request, "param", "sqlite"))


class Databases:
    """Makes fresh databases of a stage for the current test and drops them afterwards."""

    def __init__(self, request: pytest.FixtureRequest, backend: str, tmp_path: Path):
        self.request, self.backend, self.tmp_path = request, backend, tmp_path
        self._cleanup: list[object] = []

    def url(self, stage: str = "catalogue") -> str:
        """A fresh database of a stage, or "blank": no tables at all (a new SQLite file is not
        even there yet)."""
        n = next(_counter)
        if self.backend == "sqlite":
            path = self.tmp_path / f"zc_{n}.db"
            if stage != "blank":
                shutil.copy(self.request.getfixturevalue("sqlite_templates")[stage], path)
            return f"sqlite:///{path}"
        admin: Engine = self.request.getfixturevalue("pg_admin")
        name = f"zc_{_RUN}_{n}"
        if stage == "blank":
            create = f'CREATE DATABASE "{name}"'
        else:
            template = self.request.getfixturevalue("pg_templates")[stage]
            create = f'CREATE DATABASE "{name}" TEMPLATE "{template}"'
        with admin.connect() as conn:
            conn.execute(text(create))
        self._cleanup.append(name)
        return _pg_url(admin, name)

    def engine(self, stage: str = "catalogue") -> Engine:
        engine = make_engine(self.url(stage))
        self._cleanup.append(engine)
        return engine

    def close(self) -> None:
        for item in reversed(self._cleanup):
            if isinstance(item, Engine):
                item.dispose()
        names = [i for i in self._cleanup if isinstance(i, str)]
        if names:
            admin: Engine = self.request.getfixturevalue("pg_admin")
            with admin.connect() as conn:
                for name in names:
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def databases(request: pytest.FixtureRequest, backend: str, tmp_path: Path) -> Iterator[Databases]:
    dbs = Databases(request, backend, tmp_path)
    yield dbs
    dbs.close()


@pytest.fixture
def empty_engine(databases: Databases) -> Engine:
    """Migrated, nothing loaded."""
    return databases.engine("migrated")


@pytest.fixture
def catalogue_engine(databases: Databases) -> Engine:
    """Migrated, both plan catalogues loaded, no values."""
    return databases.engine("catalogue")


@pytest.fixture
def demo_engine(databases: Databases) -> Engine:
    """Catalogues loaded and the 2017 demo values written."""
    return databases.engine("demo")
