"""Hilfe (/hilfe): what each page answers, the lights, the keys, entering values, whom to ask,
and the accessibility statement."""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from app import ids
from app.components import help as content
from app.components.common import page_header
from app.context import NoPlan, guarded, page_context
from zielcockpit.domain.rules import Thresholds

dash.register_page(
    __name__,
    path="/hilfe",
    name="Hilfe",
    title="Hilfe und Barrierefreiheit – Zielcockpit",
    order=9,
    nav_id=ids.NAV_HELP,
    nav_carries=("plan",),  # the thresholds shown are those of the plan in view
)


def _plan(query: dict[str, Any]) -> content.HelpPlan:
    try:
        data = page_context(query).snapshot.data
    except NoPlan:
        default = Thresholds()
        return content.HelpPlan("(noch kein Plan geladen)", default.green, default.yellow)
    return content.HelpPlan(data.title, data.thresholds.green, data.thresholds.yellow)


@guarded
def layout(**query: Any) -> html.Div:
    return html.Div(
        [
            page_header(
                "Hilfe",
                kicker="Zielcockpit",
                question="Wie lese und bediene ich das Zielcockpit?",
            ),
            content.contents(),
            content.pages_section(),
            content.lights_section(_plan(query)),
            content.terms_section(),
            content.entry_section(),
            content.keys_section(),
            content.contact_section(),
            content.accessibility_section(),
        ],
        id=ids.HELP,
        className="page page-help",
    )
