"""Browser: a directory account (a real slapd) logs in through the login form and sees only
its units; controlling's pages of contacts, outbox and reminders open in German."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.helpers import LiveServer, browser_pages, copy_demo, demo_server, go, wait_text
from tests.ldap_server import PASSWORDS, Directory, start_directory

pytestmark = pytest.mark.browser
TIMEOUT = 20_000


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Directory]:
    yield from start_directory(tmp_path_factory.mktemp("slapd_browser"))


@pytest.fixture(scope="module")
def ldap_server(
    sqlite_templates: dict[str, Path],
    tmp_path_factory: pytest.TempPathFactory,
    directory: Directory,
) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("directory_live")
    db = copy_demo(sqlite_templates, folder)
    env: dict[str, str | None] = {
        **directory.settings(),
        "ZIELCOCKPIT_OUTBOX_DIR": str(folder / "postausgang"),
        "ZIELCOCKPIT_REMIND_EVERY_MINUTES": "0",
    }
    with demo_server(folder, db, env) as server:
        yield server


def test_bdir001_directory_account_logs_in_and_sees_only_its_units(
    browser: Any, ldap_server: LiveServer
) -> None:
    with browser_pages(browser, ldap_server) as open_page:
        v = open_page(None)
        page = v.page
        page.goto(ldap_server.url + "/login")
        page.fill("#name", "jmeier")
        page.fill("#password", PASSWORDS["jmeier"])
        page.click("button[type=submit]")
        page.wait_for_selector(".page", timeout=TIMEOUT)
        assert "jmeier" in page.locator("#app-nav-benutzer, .navbar").first.inner_text()
        go(v, ldap_server.url + "/erfassung?plan=2017&period=2017-Q3")
        wait_text(page, ".page-entry", "Erfassung 510")
        unit_field = page.locator(".page-entry label", has_text="Organisationseinheit")
        options = unit_field.locator("option").all_inner_texts()
        assert [o for o in options if o.strip()] == ["510 – Jugendamt"]
        v.shoot("verzeichnis_erfassung_510")
        # Another unit in the address: refused and named, its own unit shown.
        go(v, ldap_server.url + "/erfassung?plan=2017&period=2017-Q3&oe=REGE")
        text = wait_text(page, ".page-entry", "keine Berechtigung")
        assert "Organisationseinheit „REGE“: keine Berechtigung" in text
        go(v, ldap_server.url + "/vollstaendigkeit")
        wait_text(page, ".page", "Keine Berechtigung")


def test_bdir002_contacts_outbox_and_reminders_pages(browser: Any, ldap_server: LiveServer) -> None:
    with browser_pages(browser, ldap_server) as open_page:
        v = open_page("demo-controlling")
        page = v.page
        go(v, ldap_server.url + "/kontakte")
        wait_text(page, ".page-contacts", "Wer wird an fehlende Werte erinnert?")
        page.select_option("#kontakte-unit", "540")
        page.fill("#kontakte-name", "Kita-Team")
        page.fill("#kontakte-email", "kita(at)bielefeld.de")
        page.click("#kontakte-add")
        assert "keine gültige E-Mail-Adresse" in wait_text(page, "#kontakte-message", "Nicht")
        page.fill("#kontakte-email", "kita@bielefeld.de")
        page.click("#kontakte-add")
        wait_text(page, "#kontakte-message", "Kontakt kita@bielefeld.de für OE 540 gespeichert")
        assert "kita@bielefeld.de" in page.locator(".contacts-table").inner_text()
        v.shoot("kontakte")
        go(v, ldap_server.url + "/postausgang")
        wait_text(page, ".page-outbox", "Noch keine Mail im Postausgang.")
        go(v, ldap_server.url + "/vollstaendigkeit?plan=2017&period=2017-Q3")
        wait_text(page, ".completeness-counts", "Erinnerung")
