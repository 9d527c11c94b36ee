"""The navigation bar: links built from the pages' registrations, shown by the user's role.

A page joins the navigation by naming its link when it registers:

    dash.register_page(
        __name__, path="/erfassung", name="Erfassung", order=5,
        nav_id=ids.NAV_ENTRY, nav_carries=("plan", "period", "oe"), nav_visible=signed_in,
    )

The page's `name` is the link's label and its `order` the link's place. `nav_carries` are the
query parameters the link takes along, so the next page shows the same selection.
`nav_visible(principal)` says who sees the link; it is the page's own permission check, so the
link and the page cannot disagree. A link without it is shown to everyone and never hidden.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlencode

import dash_bootstrap_components as dbc
from dash import Dash, Input, Output, dcc

from app import ids
from app.security import current_principal
from zielcockpit.domain.access import Principal

HIDDEN = {"display": "none"}


@dataclass(frozen=True)
class NavLink:
    link_id: str
    label: str
    path: str
    carries: tuple[str, ...] = ()
    visible: Callable[[Principal | None], bool] | None = None

    @property
    def by_role(self) -> bool:
        return self.visible is not None

    @property
    def item_id(self) -> str:
        """The id of the link's list item, which is what a role-dependent link hides."""
        return f"{self.link_id}-item"


def signed_in(principal: Principal | None) -> bool:
    """Who sees a page every role may open: anyone logged in."""
    return principal is not None


def nav_links(registry: Mapping[str, Mapping[str, Any]]) -> tuple[NavLink, ...]:
    """The links of the registered pages that name one, in the pages' order (pure)."""
    pages = sorted(
        (page for page in registry.values() if page.get("nav_id")),
        key=lambda page: page.get("order") or 0,
    )
    return tuple(
        NavLink(
            link_id=page["nav_id"],
            label=page["name"],
            path=page["path"],
            carries=tuple(page.get("nav_carries", ())),
            visible=page.get("nav_visible"),
        )
        for page in pages
    )


def link_href(link: NavLink, search: str | None) -> str:
    """The link's target with the parameters it carries, in the order of `carries`.

    One order for every link, the one the filter bar writes: the hand-written links before
    kept the order of the current URL for some links and their own order for others.
    """
    params = {k: v[0] for k, v in parse_qs((search or "").lstrip("?")).items() if v}
    kept = {k: params[k] for k in link.carries if k in params}
    return link.path + ("?" + urlencode(kept) if kept else "")


def link_class(link: NavLink, pathname: str | None) -> str:
    return "nav-link active" if (pathname or "/") == link.path else "nav-link"


def link_style(link: NavLink, principal: Principal | None) -> dict[str, str]:
    return {} if link.visible is None or link.visible(principal) else HIDDEN


def shared_values(links: Sequence[NavLink], pathname: str | None, search: str | None) -> list[str]:
    """The targets, then the classes, of the links everyone sees (pure)."""
    shared = [link for link in links if not link.by_role]
    return [link_href(link, search) for link in shared] + [
        link_class(link, pathname) for link in shared
    ]


def shared_outputs(links: Sequence[NavLink]) -> list[Output]:
    shared = [link for link in links if not link.by_role]
    return [Output(link.link_id, "href") for link in shared] + [
        Output(link.link_id, "className") for link in shared
    ]


def role_values(
    links: Sequence[NavLink], pathname: str | None, search: str | None, principal: Principal | None
) -> list[Any]:
    """Target, class and visibility of each link shown by role (pure)."""
    return [
        value
        for link in links
        if link.by_role
        for value in (
            link_href(link, search),
            link_class(link, pathname),
            link_style(link, principal),
        )
    ]


def role_outputs(links: Sequence[NavLink]) -> list[Output]:
    return [
        output
        for link in links
        if link.by_role
        for output in (
            Output(link.link_id, "href"),
            Output(link.link_id, "className"),
            Output(link.item_id, "style"),
        )
    ]


def nav_items(links: Sequence[NavLink]) -> list[dbc.NavItem]:
    """The links as the page is first sent: role-dependent ones hidden until the role is known."""
    return [
        dbc.NavItem(
            dcc.Link(link.label, href=link.path, id=link.link_id, className="nav-link"),
            **({"id": link.item_id, "style": HIDDEN} if link.by_role else {}),
        )
        for link in links
    ]


def register_navigation(app: Dash, links: Sequence[NavLink]) -> None:
    """Set every link's target and active class on each navigation, and who sees which.

    Two callbacks: the links everyone sees need no session lookup, and the callbacks keep the
    outputs the app has always had (a script or test that calls them sees no difference).
    """
    url = (Input(ids.URL, "pathname"), Input(ids.URL, "search"))

    @app.callback(shared_outputs(links), *url)
    def update_shared_links(pathname: str | None, search: str | None) -> list[str]:
        return shared_values(links, pathname, search)

    @app.callback(role_outputs(links), *url)
    def update_role_links(pathname: str | None, search: str | None) -> list[Any]:
        return role_values(links, pathname, search, current_principal())
