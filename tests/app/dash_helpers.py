"""Helpers of the dashboard tests: building the app, reading component trees."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dash
from dash import Dash

from app import create_app
from app.navigation import NavLink, link_class, link_href, link_style, nav_links
from benchmarks.dash_requests import log_in
from db.demo import DEMO_PASSWORD
from zielcockpit.domain.access import Principal
from zielcockpit.settings import Settings

REPO = Path(__file__).resolve().parents[2]


def build_app(url: str) -> Dash:
    # Dash keeps pages in a process-wide registry; each app re-registers its pages.
    dash.page_registry.clear()
    return create_app(Settings.resolve({"DATABASE_URL": url}))


# -- the navigation as the pages register it ---------------------------------------------------------


@functools.cache
def registered_nav_links() -> tuple[NavLink, ...]:
    """The navigation's links from the registry of a real app (built once; it opens no database)."""
    app = build_app("sqlite://")
    app.server.config["ZC_ENGINE"].dispose()
    return nav_links(dash.page_registry)


def nav_hrefs(search: str | None) -> list[str]:
    """The targets of the links everyone sees, with the current selection."""
    return [link_href(link, search) for link in registered_nav_links() if not link.by_role]


def nav_classes(pathname: str | None) -> list[str]:
    return [link_class(link, pathname) for link in registered_nav_links() if not link.by_role]


def access_links(
    pathname: str | None, search: str | None, principal: Principal | None
) -> list[tuple[str, str, dict[str, str]]]:
    """(href, className, style) of each link shown by role."""
    return [
        (link_href(link, search), link_class(link, pathname), link_style(link, principal))
        for link in registered_nav_links()
        if link.by_role
    ]


def walk(component: Any) -> Iterator[Any]:
    """Every component and string in a layout tree, depth first."""
    yield component
    children = getattr(component, "children", None)
    if children is None:
        return
    if not isinstance(children, list | tuple):
        children = [children]
    for child in children:
        if child is not None:
            yield from walk(child)


def text_of(component: Any) -> str:
    """All visible text of a tree, joined by spaces (what a reader sees, roughly)."""
    parts = []
    for node in walk(component):
        if isinstance(node, str | int | float):
            parts.append(str(node))
    return " ".join(parts)


def find_all(component: Any, predicate: Callable[[Any], bool]) -> list[Any]:
    return [n for n in walk(component) if not isinstance(n, str | int | float) and predicate(n)]


def by_id(component: Any, component_id: Any) -> Any:
    found = find_all(component, lambda n: getattr(n, "id", None) == component_id)
    assert found, f"keine Komponente mit id {component_id!r}"
    return found[0]


def classes(node: Any) -> set[str]:
    return set((getattr(node, "className", None) or "").split())


def logged_in_client(app: Dash, name: str = "demo-leitung", password: str = DEMO_PASSWORD) -> Any:
    """A Flask test client with a session (through the real login form)."""
    return log_in(app.server.test_client(), name, password)
