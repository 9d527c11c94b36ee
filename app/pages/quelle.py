"""Quelle (/quelle/<id>): „Aus welcher Zelle welcher Datei stammt diese Zahl?“"""

from __future__ import annotations

from typing import Any

import dash
from dash import html
from flask import current_app

from app import engine_of_app, ids
from app.components.common import breadcrumb, page_header
from app.components.source_cell import source_body
from app.context import guarded
from app.security import current_principal
from zielcockpit.services.source_cell import source_cell

dash.register_page(
    __name__,
    path_template="/quelle/<value_id>",
    name="Quelle",
    title="Quelle eines Werts – Zielcockpit",
    order=20,
)


@guarded
def layout(value_id: str | None = None, **_query: Any) -> html.Div:
    try:
        number = int(value_id or "")
    except ValueError:
        number = 0
    view = source_cell(
        engine_of_app(), current_app.config["ZC_SETTINGS"], current_principal(), number
    )
    crumbs: list[tuple[str, str | None]] = [("Übersicht", "/")]
    title = "Quelle eines Werts"
    if view.source is not None and view.refusal is None:
        s = view.source
        crumbs.append((s.measure_code, f"/massnahme/{s.measure_code}?plan={s.plan_key}"))
        title = f"Quelle: {s.indicator_code}"
    crumbs.append(("Quelle", None))
    return html.Div(
        [
            breadcrumb(crumbs),
            page_header(title, kicker="Herkunft einer Zahl", question="Woher stammt diese Zahl?"),
            *source_body(view),
        ],
        id=ids.SOURCE,
        className="page page-source",
    )
