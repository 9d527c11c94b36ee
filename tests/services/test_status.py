"""Status of the demo plan: the same JSON from the CLI and the HTTP API, and their bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, text

from app.api import api
from db.demo import seed_demo
from zielcockpit.services.evaluation import plan_status, report_json

pytestmark = pytest.mark.sql  # the database's behaviour (tests/conftest.py)

if TYPE_CHECKING:
    from tests.conftest import Databases

REPO = Path(__file__).resolve().parents[2]
MEASURE_KEYS = {
    "code",
    "title",
    "cluster",
    "cluster_id",
    "owner",
    "owner_name",
    "light",
    "computed_light",
    "override",
    "demo",
    "indicators",
}
INDICATOR_KEYS = {
    "code",
    "name",
    "kind",
    "unit",
    "direction",
    "steering",
    "parent",
    "due",
    "target",
    "expected",
    "actual",
    "status",
    "attainment",
    "light",
    "forecast",
    "forecast_light",
    "explanation",
    "warnings",
    "demo",
    "due_date",
    "overdue",
    "zu_pruefen",
}


def cli(*args: str, url: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(REPO)}
    return subprocess.run(
        [sys.executable, "-m", "zielcockpit.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        input=stdin,
        timeout=120,
    )


def client(engine: Engine) -> FlaskClient:
    flask_app = Flask("test")
    flask_app.config["ZC_ENGINE"] = engine
    flask_app.register_blueprint(api)
    return flask_app.test_client()


def test_sta001_every_measure_has_a_light_and_every_indicator_a_sentence(
    demo_engine: Engine,
) -> None:
    body = report_json(plan_status(demo_engine, "2017", "2017-Q2"))
    assert len(body["measures"]) == 48
    assert sum(body["counts"].values()) == 48
    for m in body["measures"]:
        assert set(m) == MEASURE_KEYS
        assert m["light"] in {"green", "yellow", "red", "grey"}
        assert m["indicators"]
        for ind in m["indicators"]:
            assert set(ind) == INDICATOR_KEYS
            assert ind["explanation"].endswith(
                ("– grün", "– gelb", "– rot", "– grau", "– ohne Ampel")
            )
            assert ind["direction"] in {"higher", "lower"}
            if not ind["steering"]:
                assert ind["light"] is None
    assert body["demo"] is True
    assert sum(c["counts"]["green"] for c in body["clusters"]) == body["counts"]["green"]


def test_sta002_demo_values_show_every_kind_and_every_light(demo_engine: Engine) -> None:
    lights: Counter[str] = Counter()
    kinds_with_values: set[str] = set()
    for period in ("2017-Q1", "2017-Q2", "2017-Q3"):
        body = report_json(plan_status(demo_engine, "2017", period))
        for m in body["measures"]:
            lights[m["light"]] += 1
            for ind in m["indicators"]:
                lights[ind["light"] or "none"] += 1
                if ind["actual"] is not None or ind["status"] is not None:
                    kinds_with_values.add(ind["kind"])
                assert ind["demo"] or (ind["actual"] is None and ind["status"] is None)
    assert {"green", "yellow", "red", "grey"} <= set(lights)
    assert kinds_with_values == {
        "count",
        "rate",
        "upper_bound",
        "reduction",
        "money",
        "milestone",
        "unquantified",
    }


def test_sta003_override_is_shown_as_such(demo_engine: Engine) -> None:
    body = report_json(plan_status(demo_engine, "2017", "2017-Q3"))
    overridden = [m for m in body["measures"] if m["override"]]
    assert [m["code"] for m in overridden] == ["510-1"]
    assert overridden[0]["override"]["justification"]
    assert overridden[0]["light"] == overridden[0]["override"]["light"]


def test_sta004_seed_demo_twice_gives_the_same_values(demo_engine: Engine) -> None:
    def dump() -> list[tuple[object, ...]]:
        with demo_engine.connect() as conn:
            return [
                tuple(r)
                for r in conn.execute(
                    text(
                        "SELECT i.code, m.period, m.ort_id, m.value, m.symbol, m.status, m.demo "
                        "FROM messwert m JOIN indikator i ON i.id = m.indikator_id ORDER BY 1, 2, 3"
                    )
                )
            ]

    before = dump()
    seed_demo(demo_engine, "2017")
    assert dump() == before
    assert all(row[-1] for row in before)


def test_sta005_cli_and_api_give_the_same_json(databases: Databases) -> None:
    url = databases.url("demo")
    done = cli("status", "--plan", "2017", "--period", "2017-Q2", "--json", url=url)
    assert done.returncode == 0, done.stderr
    from db.engine import make_engine

    engine = make_engine(url)
    response = client(engine).get("/api/v1/status?plan=2017&period=2017-Q2")
    assert response.status_code == 200
    assert json.loads(done.stdout) == response.get_json()
    one = client(engine).get("/api/v1/measures/REGE-4?period=2017-Q2")
    assert one.status_code == 200
    measure = one.get_json()
    assert measure["code"] == "REGE-4" and measure["plan"] == "2017"
    assert measure["indicators"][0]["code"] == "REGE-4.1"
    assert {k: v for k, v in measure.items() if k not in ("plan", "period")} == next(
        m for m in response.get_json()["measures"] if m["code"] == "REGE-4"
    )
    engine.dispose()


def test_sta006_human_table(databases: Databases) -> None:
    done = cli("status", "--plan", "2017", "--period", "2017-Q3", url=databases.url("demo"))
    assert done.returncode == 0
    assert "3. Quartal 2017" in done.stdout
    assert (
        "Jobcenter-2.1" in done.stdout
        and "Quote 6,6 % über Zielwert 5,9 %" in done.stdout.replace("\u00a0", " ")
    )
    assert "(manuell)" in done.stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--plan", "1999", "--period", "1999-Q2"], 1, "Plan „1999“ gibt es nicht"),
        (
            ["--plan", "2017", "--period", "Q2/2017"],
            1,
            "Erlaubt: 2017 (Jahr), 2017-Q2 (Quartal) oder 2017-06 (Monat)",
        ),
        (["--plan", "2017", "--period", "2018-Q1"], 1, "außerhalb des Plans 2017"),
        (["--plan", "2017"], 2, "diese Angaben fehlen: --period"),
    ],
)
def test_sta007_cli_bad_input(
    databases: Databases, args: list[str], code: int, message: str
) -> None:
    done = cli("status", *args, url=databases.url("catalogue"))
    assert done.returncode == code
    assert message in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/api/v1/status?plan=1999&period=1999-Q2", "Plan „1999“ gibt es nicht"),
        ("/api/v1/status?plan=2017&period=2017Q2", "Erlaubt: 2017 (Jahr), 2017-Q2"),
        ("/api/v1/measures/REGE-99?period=2017-Q2", "Maßnahme „REGE-99“ gibt es nicht"),
        ("/api/v1/measures/REGE-4?period=1.%20Quartal", "Erlaubt:"),
    ],
)
def test_sta008_api_404_with_json_error(catalogue_engine: Engine, path: str, message: str) -> None:
    response = client(catalogue_engine).get(path)
    assert response.status_code == 404
    assert message in response.get_json()["error"]


def test_sta009_api_requires_parameters(catalogue_engine: Engine) -> None:
    response = client(catalogue_engine).get("/api/v1/status?plan=2017")
    assert response.status_code == 400
    assert "period" in response.get_json()["error"]
