"""The filters that travel in the URL: reading, writing, and what the filter bar's callback sends."""

from __future__ import annotations

from urllib.parse import parse_qs

import pytest
from dash_helpers import nav_classes, nav_hrefs
from sqlalchemy import Engine

from app import filter_search
from app.filters import choose_period, choose_plan, first, parse_filters, search_from_controls
from zielcockpit.domain.periods import Period
from zielcockpit.services.evaluation import plan_snapshot


def ids(**shown: str) -> tuple[list[dict[str, str]], dict[str, str]]:
    """The filters' ids (stable: no value in them) and the values the page was rendered with."""
    return [{"type": "app-filter", "name": k} for k in shown], shown


# -- pure ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, None), ("", None), ("  ", None), ("alle", None), ("red", "red"), (["a", "b"], "a")],
)
def test_filt001_first(value: object, expected: str | None) -> None:
    assert first(value) == expected


def test_filt002_choose_plan_names_an_unknown_plan() -> None:
    assert choose_plan(None, ["2017", "corona-2021"], "2017") == ("2017", None)
    assert choose_plan("corona-2021", ["2017", "corona-2021"], "2017") == ("corona-2021", None)
    chosen, note = choose_plan("1999", ["2017"], "2017")
    assert chosen == "2017"
    assert note is not None and "„1999“" in note and "2017" in note


@pytest.mark.parametrize(
    ("text", "shown", "note_part"),
    [
        (None, "2017-Q3", None),
        ("2017-Q2", "2017-Q2", None),
        ("2017-06", "2017-Q2", "statt Juni 2017"),
        ("2017", "2017-Q4", "statt Jahr 2017"),
        ("2018-Q1", "2017-Q3", "außerhalb des Planungsjahres 2017"),
        ("2017-Q9", "2017-Q3", "nicht verstanden"),
        ("Sommer", "2017-Q3", "„Sommer“"),
    ],
)
def test_filt003_choose_period(text: str | None, shown: str, note_part: str | None) -> None:
    period, note = choose_period(text, 2017, Period.parse("2017-Q3"))
    assert period.key == shown
    if note_part is None:
        assert note is None
    else:
        assert note is not None and note_part in note


def test_filt004_search_from_controls_keeps_order_and_drops_empty() -> None:
    current = {"plan": ["2017"], "period": ["2017-Q3"], "light": ["red"], "folie": ["4"]}
    search = search_from_controls({"light": "alle", "oe": "REGE"}, current, "oe")
    assert search == "?plan=2017&period=2017-Q3&oe=REGE"


def test_filt005_changing_the_plan_drops_what_belonged_to_the_old_plan() -> None:
    current = {"plan": ["2017"], "period": ["2017-Q3"], "cluster": ["3"], "leitsatz": ["2"]}
    search = search_from_controls({"plan": "corona-2021"}, current, "plan")
    assert parse_qs(search[1:]) == {"plan": ["corona-2021"]}


def test_filt006_inserted_filter_bar_sends_nothing() -> None:
    # Dash fires the callback when a page inserts its selects: nothing differs, no new URL.
    control_ids, shown = ids(plan="2017", period="2017-Q3", light="alle")
    assert filter_search(["2017", "2017-Q3", "alle"], control_ids, shown, "") is None


def test_filt007_a_choice_writes_plan_period_and_the_choice() -> None:
    control_ids, shown = ids(plan="2017", period="2017-Q3", light="alle")
    search = filter_search(["2017", "2017-Q3", "red"], control_ids, shown, "")
    assert search == "?plan=2017&period=2017-Q3&light=red"
    search = filter_search(["2017", "2017-Q2", "alle"], control_ids, shown, "?light=grey")
    assert search == "?plan=2017&period=2017-Q2&light=grey"


def test_filt008_navigation_carries_the_selection() -> None:
    hrefs = nav_hrefs("?plan=2017&period=2017-Q2&light=red&folie=3")
    assert hrefs == [
        "/?plan=2017&period=2017-Q2&light=red",
        "/quartale?plan=2017&period=2017-Q2&light=red",
        "/bezirke",  # its own periods (those of the context values), no plan filters
        "/praesentation?plan=2017&period=2017-Q2&light=red",
        "/hilfe?plan=2017",
    ]
    assert nav_hrefs(None) == ["/", "/quartale", "/bezirke", "/praesentation", "/hilfe"]
    assert nav_classes("/quartale") == [
        "nav-link",
        "nav-link active",
        "nav-link",
        "nav-link",
        "nav-link",
    ]


# -- against a real plan ----------------------------------------------------------------------------


def test_filt009_parse_filters_on_the_demo_plan(demo_engine: Engine) -> None:
    snapshot = plan_snapshot(demo_engine, "2017")
    cluster = snapshot.data.clusters[1]
    f = parse_filters(
        {"period": "2017-Q2", "cluster": str(cluster.id), "oe": "REGE", "leitsatz": "4"},
        snapshot,
    )
    assert (f.plan, f.period.key, f.cluster, f.oe, f.leitsatz, f.light) == (
        "2017",
        "2017-Q2",
        cluster.id,
        "REGE",
        4,
        None,
    )
    assert f.problems == ()
    assert f.search() == f"?plan=2017&period=2017-Q2&cluster={cluster.id}&oe=REGE&leitsatz=4"


def test_filt010_unknown_values_are_ignored_and_named(demo_engine: Engine) -> None:
    snapshot = plan_snapshot(demo_engine, "2017")
    f = parse_filters(
        {"cluster": "999999", "oe": "XYZ", "leitsatz": "acht", "light": "lila"}, snapshot
    )
    assert (f.cluster, f.oe, f.leitsatz, f.light) == (None, None, None, None)
    text = " ".join(f.problems)
    for part in ("„Handlungsfeld“: „999999“", "„Organisationseinheit“: „XYZ“", "„acht“", "„lila“"):
        assert part in text
    # The default quarter is the latest one with values: the demo has Q1 to Q3.
    assert f.period.key == "2017-Q3"


@pytest.mark.parametrize(("word", "light"), [("rot", "red"), ("grün", "green"), ("GELB", "yellow")])
def test_filt011_german_light_words(demo_engine: Engine, word: str, light: str) -> None:
    f = parse_filters({"light": word}, plan_snapshot(demo_engine, "2017"))
    assert f.light == light and f.problems == ()
