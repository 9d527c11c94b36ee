"""The words of the domain and the one rule for sums over places, used by importer and rules."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from db.models import Messwert, StatusOverride, User
from db.plan_data import combine_places as combine_observations
from etl.extract import _sum
from zielcockpit.domain.german import CellValue
from zielcockpit.domain.periods import Period
from zielcockpit.domain.rules import Observation
from zielcockpit.domain.vocabulary import (
    LIGHTS,
    MILESTONE_STATES,
    ROLES,
    SYMBOLS,
    combine_places,
)

Q = Period.parse("2017-Q2")
cells = st.one_of(
    st.builds(lambda n: (Decimal(n), None, None), st.integers(0, 10_000)),
    st.sampled_from([(None, s, None) for s in SYMBOLS]),
)


def test_voc001_a_dash_adds_nothing_and_any_other_symbol_makes_the_sum_unknown() -> None:
    assert combine_places([(Decimal(5), None, None), (None, "-", None)]) == (Decimal(5), None, None)
    assert combine_places([(None, "-", None), (None, "-", None)]) == (None, "-", None)
    assert combine_places([(Decimal(5), None, None), (None, "*", None)]) == (None, "*", None)
    assert combine_places([(None, "-", None), (None, ".", None), (None, "*", None)])[1] == "*"
    assert combine_places([(Decimal(2), None, None), (Decimal(3), None, None)])[0] == 5


@given(st.lists(cells, min_size=1, max_size=8))
def test_voc002_importer_and_evaluation_combine_places_alike(parts: list) -> None:
    imported = _sum([CellValue(v, s, st_) for v, s, st_ in parts])
    evaluated = combine_observations(
        [Observation(Q, None if v is None else float(v), s, st_) for v, s, st_ in parts]
    )
    assert (imported.symbol, imported.status) == (evaluated.symbol, evaluated.status)
    assert (imported.value is None) == (evaluated.value is None)
    if imported.value is not None:
        assert float(imported.value) == evaluated.value


def test_voc003_the_database_checks_the_same_words() -> None:
    def constraint(table: object, name: str) -> str:
        table_ = table.__table__  # type: ignore[attr-defined]
        wanted = f"ck_{table_.name}_{name}"
        return next(str(c.sqltext) for c in table_.constraints if c.name == wanted)

    for word in SYMBOLS:
        assert f"'{word}'" in constraint(Messwert, "symbol")
    for word in MILESTONE_STATES:
        assert f"'{word}'" in constraint(Messwert, "status")
    for word in LIGHTS:
        assert f"'{word}'" in constraint(StatusOverride, "light")
    for word in ROLES:
        assert f"'{word}'" in constraint(User, "role")
