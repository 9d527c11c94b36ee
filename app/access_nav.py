"""The navigation links of entry, import, completeness and audit trail, shown by role."""

from __future__ import annotations

from urllib.parse import parse_qs, urlencode

from dash import Dash, Input, Output

from app import ids as aids
from zielcockpit.auth import Principal

# (link id, label, path, who sees it); the plan and quarter travel along where they matter.
LINKS = (
    (aids.NAV_ENTRY, "Erfassung", "/erfassung", "all"),
    (aids.NAV_IMPORT, "Import", "/import", "import"),
    (aids.NAV_COMPLETENESS, "Vollständigkeit", "/vollstaendigkeit", "controlling"),
    (aids.NAV_AUDIT, "Protokoll", "/protokoll", "controlling"),
)
TRAVELLING = {"/erfassung": ("plan", "period", "oe"), "/vollstaendigkeit": ("plan", "period")}
HIDDEN = {"display": "none"}


def item_id(link_id: str) -> str:
    return f"{link_id}-item"


def nav_item_attrs(link_id: str) -> dict[str, object]:
    """The list item of a role-dependent link: hidden until the callback knows the role."""
    if link_id not in {link[0] for link in LINKS}:
        return {}
    return {"id": item_id(link_id), "style": HIDDEN}


def _visible(who: str, principal: Principal | None) -> bool:
    if principal is None:
        return False
    if who == "import":
        return principal.can_import or principal.role == "fachbereich"
    if who == "controlling":
        return principal.sees_completeness
    return True


def access_links(
    pathname: str | None, search: str | None, principal: Principal | None
) -> list[tuple[str, str, dict[str, str]]]:
    """(href, className, style) of each link (pure; tested)."""
    params = {k: v[0] for k, v in parse_qs((search or "").lstrip("?")).items() if v}
    out = []
    for _id, _label, path, who in LINKS:
        kept = {k: params[k] for k in TRAVELLING.get(path, ()) if k in params}
        href = path + ("?" + urlencode(kept) if kept else "")
        cls = "nav-link active" if (pathname or "/") == path else "nav-link"
        out.append((href, cls, {} if _visible(who, principal) else HIDDEN))
    return out


def register_access_navigation(app: Dash) -> None:
    from app import ids

    outputs = [
        output
        for link_id, *_ in LINKS
        for output in (
            Output(link_id, "href"),
            Output(link_id, "className"),
            Output(item_id(link_id), "style"),
        )
    ]

    @app.callback(outputs, Input(ids.URL, "pathname"), Input(ids.URL, "search"))
    def update_access_links(pathname: str | None, search: str | None) -> list[object]:
        from app.security import current_principal

        return [
            value for link in access_links(pathname, search, current_principal()) for value in link
        ]
