"""The fast paths of the evaluation give exactly what the plain paths give.

`load_plan_data` reads its statements from the driver's cursor, compiled once per dialect,
with SQLAlchemy's result processors; the number texts are cached.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, select

from db import plan_data as status
from db.models import Plan
from zielcockpit.domain.formatting import _format_number, fmt_number, fmt_value

pytestmark = pytest.mark.sql  # the database's behaviour (tests/conftest.py)

STATEMENTS = [
    status._PLAN_KEYS,
    status._CLUSTERS,
    status._MEASURES,
    status._PROFILES,
    status._INDICATORS,
    status._PLACE_NAMES,
    status._INDICATOR_PLACES,
    status._OVERRIDES,
]


def _typed(rows: list) -> list[tuple]:
    # Types too: 400 and 400.0 are equal but give different JSON.
    return [tuple((type(v), v) for v in row) for row in rows]


def test_driver_rows_are_what_sqlalchemy_gives(demo_engine: Engine) -> None:
    with demo_engine.connect() as conn:
        plan_id = conn.scalar(select(Plan.id).where(Plan.key == "2017"))
        cases: list[tuple[Any, dict[str, Any] | None]] = [(status._PLAN, {"plan_key": "2017"})]
        cases += [
            (stmt, {"plan_id": plan_id} if "plan_id" in stmt.compile().params else None)
            for stmt in STATEMENTS
        ]
        for stmt, params in cases:
            expected = _typed(list(conn.execute(stmt, params)))
            assert expected or stmt is status._PROFILES  # the demo plan has no profiles
            for _ in range(2):  # compiled at the first call, then from the cache
                assert _typed(status._driver_rows(conn, stmt, params)) == expected


def test_number_texts_cache_keeps_zero_sign_and_type() -> None:
    for value, decimals in [(0.0, 0), (-0.0, 0), (5, None), (5.0, 2), (True, None), (5.25, None)]:
        for _ in range(2):
            assert fmt_number(value, decimals) == _format_number(value, decimals)
    assert fmt_value(0.0, "EUR") == "0\u00a0€"
    assert fmt_value(-0.0, "EUR") == "-0\u00a0€"
