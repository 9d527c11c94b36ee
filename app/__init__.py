"""The Dash web app of Zielcockpit; `create_app()` builds it (nothing happens at import)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

import dash
import dash_bootstrap_components as dbc
from dash import ALL, Dash, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate
from sqlalchemy import Engine

from db.engine import make_engine
from zielcockpit.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Sequence

    from app.navigation import NavLink


# Package data beside the code, so a regular (non-editable) install serves it as well.
def _assets_folder() -> Path:
    """assets/ at the top of the source tree (the design card's layout), or app/assets/ where a
    regular install put it (package data of app.assets)."""
    here = Path(__file__).resolve().parent
    for folder in (here.parent / "assets", here / "assets"):
        if (folder / "app.css").is_file():
            return folder
    return here / "assets"


ASSETS = _assets_folder()
BOOTSTRAP = "vendor/bootstrap-5.3.9/bootstrap.min.css"

INDEX = """<!DOCTYPE html>
<html lang="de">
    <head>
        {%metas%}
        <title>{%title%}</title>
        {%favicon%}
        {%css%}
    </head>
    <body>
        {%app_entry%}
        <footer>
            {%config%}
            {%scripts%}
            {%renderer%}
        </footer>
    </body>
</html>"""


def create_app(settings: Settings | None = None) -> Dash:
    settings = settings or Settings.resolve()
    engine = make_engine(settings.database_url)
    app = Dash(
        __name__,
        use_pages=True,
        pages_folder=str(Path(__file__).parent / "pages"),
        assets_folder=str(ASSETS),
        # Bootstrap is linked first (below), so the app's own CSS can override it.
        assets_ignore=r"bootstrap\.min\.css$",
        external_stylesheets=[f"/assets/{BOOTSTRAP}"],
        serve_locally=True,  # the intranet reaches nothing outside: no CDN
        title="Zielcockpit",
        suppress_callback_exceptions=True,
        update_title="",
        index_string=INDEX,
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
    )
    app.server.config["ZC_ENGINE"] = engine
    app.server.config["ZC_SETTINGS"] = settings
    _german_loading_text(app)
    from app.api import api
    from app.security import init_security

    init_security(
        app.server,
        # Without a configured key (demo databases only; `serve` insists otherwise) the key
        # stored in the database is used, the same for every worker and instance.
        secret_key=settings.secret_key or None,
        secure_cookies=settings.secure_cookies,
        proxy_user_header=settings.proxy_user_header or None,
        # base64 in the callback body makes an upload about 4/3 of the file, plus the JSON.
        max_upload_bytes=int(settings.max_upload_mb * 1024 * 1024 * 4 / 3) + 64 * 1024,
    )
    app.server.config["ZC_LOGIN_CSS"] = [
        f"/assets/{BOOTSTRAP}",
        "/assets/app.css",
        "/assets/plain.css",
    ]
    # The Content-Security-Policy allows Dash's own inline scripts by their hashes.
    app.server.config["ZC_SCRIPT_HASHES"] = app.csp_hashes
    app.server.register_blueprint(api)
    from app.public import public

    app.server.register_blueprint(public)
    from app.navigation import nav_links, register_navigation

    # Dash(use_pages=True) has just run the page modules: the registry holds this app's pages.
    links = nav_links(dash.page_registry)
    app.layout = _shell(links)
    _register_shell_callbacks(app)
    register_navigation(app, links)
    return app


def warm_up(app: Dash) -> None:
    """Let Dash finish its setup (callback map, scripts) before any thread serves a request.

    Dash does it on a process's first request; two threads of a fresh gunicorn worker could
    run through it at once, and one of them found no callback (seen with gthread workers).
    Then the plans are fetched and their four quarters evaluated, so the first overview after a
    start is served from the cache like every other (issue 16: 5,000 measures took seconds).
    """
    app.server.test_client().get("/api/v1/health")
    _warm_plans(app.server.config["ZC_ENGINE"])


def _warm_plans(engine: Engine) -> None:
    import logging

    from db.queries import default_plan, plan_choices
    from zielcockpit.services.evaluation import CACHE_SIZE, plan_snapshot

    try:
        choices = plan_choices(engine)
        first = default_plan(choices)
        others = [c.key for c in choices if c.key != first]
        # the default plan last: the most recently used stays longest in the cache
        for key in [*others[: CACHE_SIZE - 1], *([first] if first else [])]:
            plan_snapshot(engine, key).quarter_reports()
    except Exception:  # no tables yet, a plan that cannot be read: the page will say so
        logging.getLogger(__name__).warning("Pläne beim Start nicht vorberechnet", exc_info=True)


def _german_loading_text(app: Dash) -> None:
    original = app.interpolate_index

    def interpolate_index(**kwargs: Any) -> str:
        from app.security import style_nonce_tags

        kwargs["app_entry"] = kwargs["app_entry"].replace("Loading...", "Wird geladen …")
        kwargs["metas"] = kwargs["metas"] + style_nonce_tags()
        return str(original(**kwargs))

    app.interpolate_index = interpolate_index  # type: ignore[method-assign,assignment]


def _shell(links: Sequence[NavLink]) -> html.Div:
    from app import ids
    from app.components.common import attrs
    from app.navigation import nav_items

    return html.Div(
        [
            dcc.Location(id=ids.URL, refresh="callback-nav"),
            html.A("Zum Inhalt springen", href="#inhalt", className="skip-link"),
            html.Header(
                dbc.Navbar(
                    dbc.Container(
                        [
                            dcc.Link(
                                [html.Span("Ziel", className="brand-a"), "cockpit"],
                                href="/",
                                className="navbar-brand",
                            ),
                            html.Nav(
                                dbc.Nav(nav_items(links), navbar=True),
                                **attrs({"aria-label": "Hauptnavigation"}),
                            ),
                            html.Div(
                                [
                                    html.Span(id=ids.NAV_USER, className="nav-user me-3"),
                                    html.Form(
                                        [
                                            dcc.Input(
                                                id=ids.LOGOUT_CSRF, type="hidden", name="csrf"
                                            ),
                                            html.Button(
                                                "Abmelden",
                                                type="submit",
                                                className="btn btn-outline-light btn-sm",
                                            ),
                                        ],
                                        action="/logout",
                                        method="post",
                                        className="d-inline",
                                    ),
                                ],
                                className="ms-auto d-flex align-items-center",
                            ),
                        ],
                        fluid=True,
                    ),
                    className="zc-navbar",
                    color="dark",
                    dark=True,
                ),
                className="app-header",
            ),
            html.Main(dash.page_container, id="inhalt", className="container-fluid app-main"),
        ],
        className="app-shell",
    )


def filter_search(
    values: list[Any],
    control_ids: list[dict[str, str]],
    shown: dict[str, str] | None,
    search: str | None,
) -> str | None:
    """The new query string after a filter changed, or None when no value differs from the page.

    Pure (tested): `shown` holds the values the page was rendered with (ids.FILTER_SHOWN).
    """
    from app.filters import search_from_controls

    shown = shown or {}
    chosen = {i["name"]: v for i, v in zip(control_ids, values, strict=True)}
    changed = [name for name, value in chosen.items() if (value or "") != shown.get(name, "")]
    if not changed:
        return None
    current: dict[str, Any] = parse_qs((search or "").lstrip("?"))
    # The page's plan and period go into the link even where they were defaults: a link sent
    # on shows the same quarter after the next one has been reported.
    current.update({k: shown[k] for k in ("plan", "period") if k in shown})
    controls = {name: chosen[name] for name in changed}
    return search_from_controls(controls, current, "plan" if "plan" in changed else None)


def _register_shell_callbacks(app: Dash) -> None:
    # app.callback here, not dash.callback: this module is imported once per process, while
    # create_app runs once per app (tests build several); pages are re-executed per app.
    from app import ids

    pattern = {"type": ids.FILTER, "name": ALL}

    @app.callback(
        Output(ids.URL, "search"),
        Input(pattern, "value"),
        State(pattern, "id"),
        State({"type": ids.FILTER_SHOWN, "bar": ALL}, "data"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )
    def apply_filters(
        values: list[Any], control_ids: list[dict[str, str]], shown: list[Any], search: str
    ) -> str:
        if not values:
            raise PreventUpdate  # the page left has taken its filters along
        new = filter_search(values, control_ids, shown[0] if shown else None, search)
        if new is None:
            raise PreventUpdate  # a page inserted its filter bar; nobody chose anything
        return new

    @app.callback(Output(ids.NAV_USER, "children"), Input(ids.URL, "pathname"))
    def show_user(_pathname: str | None) -> Any:
        from app.security import current_principal
        from zielcockpit.domain.vocabulary import ROLE_WORDS

        principal = current_principal()
        if principal is None:
            return ""
        text = f"{principal.name} · {ROLE_WORDS[principal.role].split(' (')[0]}"
        if principal.can_manage_users:  # the way to /benutzer, without a ninth link in the bar
            return html.A(text, href="/benutzer", id=ids.NAV_USERS, title="Benutzer verwalten")
        return text

    # The logout form posts the CSRF token, which only the page itself can read from its cookie.
    app.clientside_callback(
        """function(_path) {
            const m = document.cookie.match(/(?:^|; )_csrf_token=([^;]*)/);
            return m ? decodeURIComponent(m[1]) : "";
        }""",
        Output(ids.LOGOUT_CSRF, "value"),
        Input(ids.URL, "pathname"),
    )


def engine_of_app() -> Engine:
    """The engine of the running app, for layout functions and callbacks."""
    from flask import current_app

    engine: Engine = current_app.config["ZC_ENGINE"]
    return engine
