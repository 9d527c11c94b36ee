"""The Dash web app of Zielcockpit; `create_app()` builds it (nothing happens at import)."""

from __future__ import annotations

from pathlib import Path

import dash
import dash_bootstrap_components as dbc
from dash import Dash, dcc, html
from sqlalchemy import Engine

from db.engine import make_engine
from zielcockpit.settings import Settings

ASSETS = Path(__file__).resolve().parent.parent / "assets"


def create_app(settings: Settings | None = None) -> Dash:
    settings = settings or Settings.resolve()
    engine = make_engine(settings.database_url)
    app = Dash(
        __name__,
        use_pages=True,
        pages_folder=str(Path(__file__).parent / "pages"),
        assets_folder=str(ASSETS),
        serve_locally=True,  # the intranet reaches nothing outside: no CDN
        title="Zielcockpit",
        suppress_callback_exceptions=True,
        update_title="",
    )
    app.server.config["ZC_ENGINE"] = engine
    app.server.config["ZC_SETTINGS"] = settings
    from app.api import api

    app.server.register_blueprint(api)
    app.layout = html.Div(
        [
            dcc.Location(id="url"),
            dbc.Navbar(
                dbc.Container(
                    [
                        dbc.NavbarBrand("Zielcockpit", href="/"),
                        dbc.Nav(
                            [
                                dbc.NavLink(page["name"], href=page["relative_path"])
                                for page in dash.page_registry.values()
                                if page.get("nav", True)
                            ]
                        ),
                    ],
                    fluid=True,
                ),
                color="dark",
                dark=True,
            ),
            html.Main(dash.page_container, className="container-fluid py-3"),
        ],
        lang="de",
    )
    return app


def engine_of_app() -> Engine:
    """The engine of the running app, for layout functions and callbacks."""
    from flask import current_app

    engine: Engine = current_app.config["ZC_ENGINE"]
    return engine
