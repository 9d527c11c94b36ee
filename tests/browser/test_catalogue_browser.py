"""„Bearbeiten“ on the measure page in headless Chromium against the real server: controlling
edits a target, sees the light change and finds the change in the audit trail; a wrong entry
is refused in German; the Fachbereich sees no form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from app import ids as aids
from tests.browser.helpers import (
    READY,
    SIZES,
    LiveServer,
    Visit,
    field,
    go,
    wait_text,
)

pytestmark = pytest.mark.browser

TIMEOUT = 30_000


def test_bcat001_edit_a_target_light_changes_audited(
    as_user: Callable[[str], Visit], module_server: LiveServer
) -> None:
    url = module_server.url + "/massnahme/REGE-3?period=2017-Q3"
    panel = "#indikator-REGE-3\\.1 .judgement"

    # The Fachbereich reads the page but gets no form.
    fb = as_user("demo-fb-rege")
    page = go(fb, url)
    assert page.locator(".indicator-edit").count() == 0

    controlling = as_user("demo-controlling")
    page = go(controlling, url)
    before = page.inner_text(panel)
    assert "– grün" in before and "Ziel 4 bis" in before
    page.locator("#indikator-REGE-3\\.1 .indicator-edit summary").click()
    controlling.shoot("katalog_bearbeiten_offen")

    # A wrong entry is refused in German, and nothing changes.
    page.fill(field(aids.MEASURE_EDIT_TARGET, "REGE-3.1"), "viele")
    page.click(field(aids.MEASURE_EDIT_SAVE, "REGE-3.1"))
    message = wait_text(page, f"#{aids.MEASURE_EDIT_MESSAGE}", "muss eine Zahl sein")
    assert "Zielwert" in message and "viele" in message
    assert page.inner_text(panel) == before

    # A new target: saved, the light and its sentence follow it.
    page.fill(field(aids.MEASURE_EDIT_TARGET, "REGE-3.1"), "400")
    page.click(field(aids.MEASURE_EDIT_SAVE, "REGE-3.1"))
    wait_text(page, f"#{aids.MEASURE_EDIT_MESSAGE}", "gespeichert")
    after = wait_text(page, panel, "400")
    assert "nicht im Plan" in after and "Ziel 400 bis" in after and "– rot" in after, after
    controlling.shoot("katalog_bearbeiten_gespeichert")

    # The audit trail names who changed what.
    page = go(controlling, module_server.url + "/protokoll")
    page.wait_for_function("() => document.body.innerText.includes('REGE-3.1')", timeout=TIMEOUT)
    body = page.inner_text("body")
    assert "demo-controlling" in body and "Formular Maßnahme REGE-3" in body
    controlling.shoot("katalog_bearbeiten_protokoll")


def _login(browser: Any, server: LiveServer, name: str, password: str) -> Any:
    width, height = SIZES["gross"]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="de-DE")
    page = context.new_page()
    page.goto(server.url + "/login")
    page.fill("#name", name)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return context, page


def test_bcat002_admin_adds_a_user_who_then_logs_in(
    as_user: Callable[[str], Visit], module_server: LiveServer, browser: Any
) -> None:
    # Controlling does not manage users: no link, and the page refuses.
    controlling = as_user("demo-controlling")
    page = go(controlling, module_server.url + "/benutzer")
    wait_text(page, f"#{aids.NAV_USER}", "demo-controlling")
    assert page.locator(f"#{aids.NAV_USERS}").count() == 0  # the name links nowhere
    assert "nur die Administration" in page.inner_text("body")

    admin = as_user("demo-admin")
    page = go(admin, module_server.url + "/")
    page.locator(f"#{aids.NAV_USERS}").click()
    page.wait_for_selector(f"#{aids.USERS_TABLE}", timeout=TIMEOUT)
    assert "demo-fb-510" in page.inner_text(f"#{aids.USERS_TABLE}")

    # A Fachbereich account without units is refused with the command's rule.
    page.fill(f"#{aids.USERS_NAME}", "berta")
    page.select_option(f"#{aids.USERS_ROLE}", "fachbereich")
    page.click(f"#{aids.USERS_ADD}")
    wait_text(page, f"#{aids.USERS_MESSAGE}", "braucht mindestens eine Organisationseinheit")

    page.fill(f"#{aids.USERS_UNITS}", "510")
    page.click(f"#{aids.USERS_ADD}")
    wait_text(page, f"#{aids.USERS_MESSAGE}", "wird nur jetzt angezeigt")
    password = page.inner_text(".shown-password").strip()
    assert len(password) >= 10
    table = wait_text(page, f"#{aids.USERS_TABLE}", "berta")
    assert "noch nie" in table
    admin.shoot("benutzer_angelegt")

    # berta logs in with the password shown once and sees her own name in the navigation.
    context, berta = _login(browser, module_server, "berta", password)
    try:
        berta.wait_for_selector(READY, timeout=TIMEOUT)
        assert "berta" in berta.inner_text(f"#{aids.NAV_USER}")
    finally:
        context.close()

    # Disabled, she can no longer log in; the audit trail has all of it.
    page = go(admin, module_server.url + "/benutzer")
    page.click(field(aids.USERS_DISABLE, "berta"))
    wait_text(page, f"#{aids.USERS_MESSAGE}", "gesperrt")
    context, berta = _login(browser, module_server, "berta", password)
    try:
        assert "/login" in berta.url
    finally:
        context.close()
    page = go(admin, module_server.url + "/protokoll")
    page.wait_for_function("() => document.body.innerText.includes('berta')", timeout=TIMEOUT)
    body = page.inner_text("body")
    assert "Benutzer angelegt" in body and "Benutzer gesperrt" in body
