"""Charts: the bullet chart (HTML, Ist vs. Soll vs. Ziel) and the quarter chart (plotly)."""

from __future__ import annotations

import functools
from typing import Any

from dash import dcc, html

from app.components.common import attrs
from app.viewmodel import IndicatorView
from zielcockpit.domain.formatting import fmt_date, fmt_value
from zielcockpit.domain.rules import expected_cumulative
from zielcockpit.domain.vocabulary import MILESTONE_WORDS

INK = "#1f2933"  # actual values: the darkest ink
SOFT = "#52606d"  # expected (Soll)
TARGET = "#7b8794"
FORECAST = "#3e4c59"
GRID = "#e4e7eb"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
UNIT_TITLES = {"%": "Prozent", "EUR": "Euro", "Anzahl": "Anzahl"}
# The chart is a picture of the table below it; hovering adds nothing the table lacks.
GRAPH_CONFIG: dict[str, Any] = {"displayModeBar": False, "responsive": True}


def _y_format(unit: str) -> tuple[str, str]:
    """(d3 format, suffix) for hover texts; separators=",." makes them German."""
    if unit == "%":
        return ",.1f", " %"
    if unit == "EUR":
        return ",.0f", " €"
    return ",.1~f", ""


def bullet(view: IndicatorView, compact: bool = False) -> html.Div:
    """Actual as a bar, expected as a tick, the target as the end of the pale band."""
    j = view.judgement
    unit = view.unit
    if view.kind == "milestone":
        state = MILESTONE_WORDS.get(j.status or "", "kein Sachstand")
        due = f" · fällig {fmt_date(view.due)}" if view.due else ""
        return html.Div(f"Meilenstein: {state}{due}", className="bullet-text")
    target = j.target
    expected = j.expected
    actual = j.actual
    if actual is None and target is None:
        return html.Div("kein Wert, kein Zielwert", className="bullet-text")
    top = max(v for v in (target, expected, actual, 0.0) if v is not None) * 1.12 or 1.0

    def pct(v: float) -> str:
        return f"{max(0.0, min(100.0, 100 * v / top)):.2f}%"

    parts: list[Any] = []
    if target is not None:
        parts.append(html.Span(className="bullet-band", style={"width": pct(target)}))
    if actual is not None:
        parts.append(html.Span(className="bullet-bar", style={"width": pct(actual)}))
    if expected is not None and (view.cumulative or view.kind == "reduction"):
        parts.append(html.Span(className="bullet-tick", style={"left": pct(expected)}))
    words = [f"Ist {fmt_value(actual, unit)}" if actual is not None else "kein Ist-Wert"]
    if expected is not None and expected != target:
        words.append(f"Soll {fmt_value(round(expected, 1), unit)}")
    if target is not None:
        words.append(f"Ziel {fmt_value(round(target, 1), unit)}")
    text = " · ".join(words)
    return html.Div(
        [
            html.Div(parts, className="bullet-track", **attrs({"aria-hidden": "true"})),
            html.Div(text, className="bullet-text"),
        ],
        className="bullet bullet-compact" if compact else "bullet",
        role="img",
        **attrs({"aria-label": f"{view.name}: {text}"}),
    )


@functools.cache
def _template() -> dict[str, Any]:
    """The parts of plotly's default template these charts show (axes, hover, bar outlines), as
    plain data taken once: a figure built as a dict skips plotly's validation of every property
    (nine tenths of a Maßnahme page's time) and does not carry the whole template to the browser."""
    import plotly.io as pio

    full = pio.templates["plotly"].to_plotly_json()
    shown = (
        "autotypenumbers",
        "colorway",
        "font",
        "hovermode",
        "hoverlabel",
        "paper_bgcolor",
        "plot_bgcolor",
        "title",
        "xaxis",
        "yaxis",
    )
    return {
        "layout": {k: full["layout"][k] for k in shown if k in full["layout"]},
        "data": {k: full["data"][k] for k in ("bar", "scatter") if k in full["data"]},
    }


def _line(
    x: list[Any], y: list[Any], name: str, hovertemplate: str, **style: Any
) -> dict[str, Any]:
    return {
        "type": "scatter",
        "x": x,
        "y": y,
        "name": name,
        "hovertemplate": hovertemplate,
        **style,
    }


def quarter_figure(view: IndicatorView) -> dict[str, Any] | None:
    """Quarters on x: actual bars (cumulative) or a line (rates), Soll, Ziel and Prognose; a
    plotly figure as plain data (see _template)."""
    if view.kind == "milestone":
        return None
    rule = view.info.rule
    labels = [p.period.short_label for p in view.points]
    reported = [p for p in view.points if p.reported]
    fmt, suffix = _y_format(view.unit)
    data: list[dict[str, Any]] = []
    xs = [p.period.short_label for p in reported if p.judgement.actual is not None]
    ys = [p.judgement.actual for p in reported if p.judgement.actual is not None]
    actual_name = "Ist (Jahr bis Quartalsende)" if view.cumulative else "Ist"
    hover = f"%{{x}}<br>{actual_name}: %{{y:{fmt}}}{suffix}<extra></extra>"
    if view.cumulative or view.kind == "unquantified":
        data.append(
            {
                "type": "bar",
                "x": xs,
                "y": ys,
                "name": actual_name,
                "marker": {"color": INK},
                "hovertemplate": hover,
            }
        )
    else:
        data.append(
            _line(
                xs,
                ys,
                actual_name,
                hover,
                mode="lines+markers",
                line={"color": INK, "width": 3},
                marker={"size": 9},
            )
        )
    if rule.target is not None and view.cumulative:
        expected = [expected_cumulative(rule, p.period) for p in view.points]
        data.append(
            _line(
                labels,
                expected,
                "Soll (anteilig)",
                f"%{{x}}<br>Soll: %{{y:{fmt}}}{suffix}<extra></extra>",
                mode="lines+markers",
                line={"color": SOFT, "width": 2, "dash": "dash"},
                marker={"size": 6, "symbol": "line-ew-open"},
            )
        )
    elif view.kind == "reduction" and any(p.judgement.expected for p in reported):
        data.append(
            _line(
                [p.period.short_label for p in reported if p.judgement.expected is not None],
                [p.judgement.expected for p in reported if p.judgement.expected is not None],
                "Soll (auf dem Weg zum Ziel)",
                f"%{{x}}<br>Soll: %{{y:{fmt}}}{suffix}<extra></extra>",
                mode="lines+markers",
                line={"color": SOFT, "width": 2, "dash": "dash"},
            )
        )
    target = view.judgement.target if view.kind == "reduction" else rule.target
    if target is not None:
        word = "Obergrenze" if rule.kind == "upper_bound" else "Ziel"
        data.append(
            _line(
                [labels[0], labels[-1]],
                [target, target],
                f"{word} {fmt_value(round(target, 1), view.unit)}",
                f"{word}: %{{y:{fmt}}}{suffix}<extra></extra>",
                mode="lines",
                line={"color": TARGET, "width": 1.5, "dash": "dot"},
            )
        )
    j = view.judgement
    due = view.due
    # The forecast is for the due date; only where that is the end of this year does it belong
    # on the last quarter of this chart.
    year_end = due is None or due.year == view.points[-1].period.year
    if j.forecast is not None and xs and year_end:
        data.append(
            _line(
                [xs[-1], labels[-1]],
                [ys[-1], j.forecast],
                f"Prognose {fmt_value(round(j.forecast), view.unit)}",
                f"%{{x}}<br>Prognose: %{{y:{fmt}}}{suffix}<extra></extra>",
                mode="lines+markers",
                line={"color": FORECAST, "width": 2, "dash": "dashdot"},
                marker={"size": [0, 9], "symbol": "diamond-open"},
            )
        )
    # Every trace needs its category axis to show all four quarters, reported or not.
    data.append(
        {
            "type": "scatter",
            "x": labels,
            "y": [None] * len(labels),
            "showlegend": False,
            "hoverinfo": "skip",
            "mode": "markers",
        }
    )
    layout = {
        "template": _template(),
        "separators": ",.",  # German decimals and thousands, also in hover texts
        "height": 280,
        "margin": {"l": 60, "r": 16, "t": 40, "b": 40},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "font": {"family": FONT, "size": 14, "color": INK},
        "showlegend": True,
        "legend": {"orientation": "h", "x": 0, "y": 1.18, "font": {"size": 13}},
        "bargap": 0.45,
        "hoverlabel": {"font": {"family": FONT, "size": 14}},
        "xaxis": {
            "title": {"text": "Quartal"},
            "categoryorder": "array",
            "categoryarray": labels,
            "type": "category",
            "showgrid": False,
            "fixedrange": True,
        },
        "yaxis": {
            "title": {"text": UNIT_TITLES.get(view.unit, view.unit or "Wert")},
            "gridcolor": GRID,
            "zeroline": True,
            "zerolinecolor": "#cbd2d9",
            "rangemode": "tozero",
            "fixedrange": True,
            "tickformat": ",~f",
            "ticksuffix": " %" if view.unit == "%" else "",
        },
    }
    return {"data": data, "layout": layout}


def quarter_graph(view: IndicatorView, graph_id: Any) -> dcc.Graph | None:
    fig = quarter_figure(view)
    if fig is None:
        return None
    return dcc.Graph(
        id=graph_id,
        figure=fig,
        config=GRAPH_CONFIG,  # type: ignore[arg-type]
        className="quarter-graph",
    )
