"""Set-up commands: init-db twice, database URLs, catalogue errors through the CLI, settings."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import yaml
from sqlalchemy import Engine, text

from db.engine import make_engine
from tests.services.test_status import cli
from zielcockpit.settings import CATALOGUE_DIR, SETTINGS, Settings

pytestmark = pytest.mark.sql  # the database's behaviour (tests/conftest.py)

if TYPE_CHECKING:
    from tests.conftest import Databases

REPO = Path(__file__).resolve().parents[2]


def schema(engine: Engine) -> list[tuple[object, ...]]:
    """Tables, columns and index definitions as the database itself reports them."""
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            sql = "SELECT type, name, sql FROM sqlite_master ORDER BY type, name"
        else:
            sql = (
                "SELECT table_name, column_name, data_type, is_nullable FROM "
                "information_schema.columns WHERE table_schema = 'public' "
                "UNION ALL SELECT tablename, indexname, indexdef, '' FROM pg_indexes "
                "WHERE schemaname = 'public' ORDER BY 1, 2"
            )
        return [tuple(r) for r in conn.execute(text(sql))]


def test_fnd001_init_db_twice_leaves_the_same_database(databases: Databases) -> None:
    url = databases.url("migrated")
    first = cli("init-db", url=url)
    assert first.returncode == 0 and "aktuell" in first.stdout
    engine = make_engine(url)
    before = schema(engine)
    second = cli("init-db", url=url)
    assert second.returncode == 0, second.stderr
    assert schema(engine) == before
    assert any("messwert" in row for row in before)
    assert any("uq_messwert_key" in row for row in before)
    with engine.connect() as conn:
        assert conn.scalar(text("SELECT count(*) FROM alembic_version")) == 1
    engine.dispose()


def test_fnd002_fresh_sqlite_file_is_created_on_demand(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/neu/unter/ordner.db"
    done = cli("init-db", url=url)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "neu" / "unter" / "ordner.db").exists()
    loaded = cli("load-catalogue", url=url)
    assert loaded.returncode == 0, loaded.stderr
    assert "Plan 2017: 48 Maßnahmen" in loaded.stdout
    seeded = cli("seed-demo", url=url)
    assert seeded.returncode == 0 and "Demodaten" in seeded.stdout


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("das-ist-keine-url", "DATABASE_URL ist keine gültige Datenbank-Adresse"),
        ("postgresql://postgres@127.0.0.1:1/nirgends", "Datenbank nicht erreichbar"),
        ("mysql+nichtda://x@y/z", "Datenbank-Adresse wird nicht unterstützt"),
    ],
)
def test_fnd003_bad_database_url(url: str, message: str) -> None:
    done = cli("init-db", url=url)
    assert done.returncode == 1
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_fnd004_commands_need_a_migrated_database(tmp_path: Path) -> None:
    done = cli(
        "status", "--plan", "2017", "--period", "2017-Q2", url=f"sqlite:///{tmp_path}/leer.db"
    )
    assert done.returncode == 1
    assert "zuerst „zielcockpit init-db“" in done.stderr


def test_fnd005_bad_catalogue_through_the_cli(databases: Databases, tmp_path: Path) -> None:
    url = databases.url("catalogue")
    data = yaml.safe_load((CATALOGUE_DIR / "bielefeld_2017.yaml").read_text(encoding="utf-8"))
    data["massnahmen"][5]["indikatoren"][0]["target"] = "zweiundvierzig"
    data["massnahmen"][7]["indikatoren"][0]["parent"] = "GIBT-ES-NICHT.1"
    data["massnahmen"][2]["indikatoren"][0]["name"] = "geändert, darf nicht ankommen"
    path = tmp_path / "katalog.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    done = cli("load-catalogue", str(path), url=url)
    assert done.returncode == 1
    assert "nichts wurde geschrieben" in done.stderr
    assert re.search(
        r"katalog\.yaml, Zeile \d+: Indikator REGE-2\.1: „target“ muss eine Zahl sein", done.stderr
    )
    assert "„GIBT-ES-NICHT.1“ gibt es nicht" in done.stderr
    engine = make_engine(url)
    with engine.connect() as conn:
        name = conn.scalar(text("SELECT name FROM indikator WHERE code = 'REGE-1.1'"))
    engine.dispose()
    assert name != "geändert, darf nicht ankommen"


def test_fnd006_every_setting_is_documented_in_the_readme() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for setting in SETTINGS:
        assert f"`{setting.name}`" in readme, setting.name


def test_fnd007_settings_explicit_beats_environment_beats_default() -> None:
    env = {"DATABASE_URL": "sqlite:///aus-der-umgebung.db"}
    assert Settings.resolve(environ={}).database_url == "sqlite:///data/zielcockpit.db"
    assert Settings.resolve(environ=env).database_url == "sqlite:///aus-der-umgebung.db"
    assert (
        Settings.resolve({"DATABASE_URL": "sqlite:///x.db"}, env).database_url == "sqlite:///x.db"
    )


def test_fnd008_usage_errors_are_german_and_exit_2(tmp_path: Path) -> None:
    done = cli("gibtsnicht", url=f"sqlite:///{tmp_path}/x.db")
    assert done.returncode == 2
    assert "Fehler" in done.stderr and "ungültige Wahl" in done.stderr
