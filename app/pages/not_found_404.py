"""The German answer for an address that has no page (Dash pages uses this module for 404)."""

from __future__ import annotations

from typing import Any

import dash
from dash import html

from app.components.common import message_page

dash.register_page(
    __name__, path="/404", name="Seite nicht gefunden", title="Seite nicht gefunden – Zielcockpit"
)


def layout(**_query: Any) -> html.Div:
    return message_page(
        "Diese Seite gibt es nicht",
        "Die Adresse führt zu keiner Seite des Zielcockpits. Vielleicht ist der Link veraltet "
        "oder unvollständig.",
    )
