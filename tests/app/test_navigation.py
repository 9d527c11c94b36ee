"""The navigation bar built from the page registry: which pages, in which order, for whom."""

from __future__ import annotations

from typing import Any

from dash_helpers import registered_nav_links

from app import ids
from app.navigation import HIDDEN, link_href, link_style, nav_links, role_values, shared_values
from zielcockpit.domain.access import Principal
from zielcockpit.domain.vocabulary import ROLE_WORDS


def test_nav001_only_pages_that_name_a_link_in_their_order() -> None:
    registry: dict[str, dict[str, Any]] = {
        "b": {"name": "B", "path": "/b", "order": 2, "nav_id": "nav-b", "nav_carries": ("plan",)},
        "detail": {"name": "Detail", "path": None, "order": 1},
        "a": {"name": "A", "path": "/", "order": 0, "nav_id": "nav-a"},
    }
    links = nav_links(registry)
    assert [(link.link_id, link.label, link.path) for link in links] == [
        ("nav-a", "A", "/"),
        ("nav-b", "B", "/b"),
    ]
    assert link_href(links[1], "?period=2017-Q2&plan=2017") == "/b?plan=2017"
    assert link_style(links[0], None) == {}  # a link without a rule is never hidden


def test_nav002_the_registered_links() -> None:
    links = registered_nav_links()
    assert [(link.link_id, link.label, link.path) for link in links] == [
        (ids.NAV_OVERVIEW, "Übersicht", "/"),
        (ids.NAV_QUARTERS, "Quartalsvergleich", "/quartale"),
        (ids.NAV_PLACES, "Bezirke", "/bezirke"),
        (ids.NAV_PRESENTATION, "Ausschussmodus", "/praesentation"),
        (ids.NAV_ENTRY, "Erfassung", "/erfassung"),
        (ids.NAV_IMPORT, "Import", "/import"),
        (ids.NAV_COMPLETENESS, "Vollständigkeit", "/vollstaendigkeit"),
        (ids.NAV_AUDIT, "Protokoll", "/protokoll"),
        (ids.NAV_HELP, "Hilfe", "/hilfe"),
    ]


def test_nav003_one_value_per_output_for_every_role() -> None:
    links = registered_nav_links()
    by_role = sum(link.by_role for link in links)
    assert len(shared_values(links, "/", "?plan=2017")) == 2 * (len(links) - by_role)
    for role in ROLE_WORDS:
        values = role_values(links, "/", "?plan=2017", Principal("x", role))
        assert len(values) == 3 * by_role
        assert values[2] == {}  # everyone who is logged in sees the entry form
    assert role_values(links, "/", "", None).count(HIDDEN) == by_role
