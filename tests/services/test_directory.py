"""Login with the city's directory against a real OpenLDAP (slapd) started by the test: bind,
group mapping, wrong password, locked account, StartTLS and LDAPS, a directory that is down or
does not answer, and the web login (throttling, audit, a session ended by the directory)."""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dash
import pytest
from flask.testing import FlaskClient
from sqlalchemy import Engine

from app import create_app
from db.audit_trail import audit_entries
from db.users import add_user, list_users
from tests.ldap_server import (
    BASE,
    PASSWORDS,
    SEARCH_DN,
    Directory,
    free_port,
    start_directory,
)
from zielcockpit.services.directory import (
    UNAVAILABLE,
    DirectoryUnavailable,
    NoMappedGroup,
    authenticate,
    directory_config,
    group_rules,
)
from zielcockpit.settings import SettingError, Settings


@pytest.fixture(scope="module")
def directory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Directory]:
    yield from start_directory(tmp_path_factory.mktemp("slapd"))


def config_of(directory: Directory, **changes: str) -> Any:
    config = directory_config(Settings.resolve(directory.settings(**changes), {}))
    assert config is not None
    return config


def test_dir001_bind_by_template_with_starttls_maps_groups_to_role_and_units(
    directory: Directory,
) -> None:
    account = authenticate(config_of(directory), "jmeier", PASSWORDS["jmeier"])
    assert account is not None
    assert (account.dn, account.display_name) == (
        f"uid=jmeier,ou=people,{BASE}",
        "Jana Meier (Jugendamt)",
    )
    # zc-jugendamt (fachbereich, 510) and zc-leitung (leitung): the higher role, its units.
    assert (account.role, account.units) == ("fachbereich", ("510",))
    assert f"cn=zc-jugendamt,ou=gruppen,{BASE}" in account.groups


def test_dir002_search_account_over_ldaps_and_a_group_named_by_its_dn(
    directory: Directory,
) -> None:
    config = config_of(
        directory,
        ZIELCOCKPIT_LDAP_URL=f"ldaps://127.0.0.1:{directory.tls_port}",
        ZIELCOCKPIT_LDAP_STARTTLS="0",
        ZIELCOCKPIT_LDAP_USER_DN="",
    )
    account = authenticate(config, "kcontrol", PASSWORDS["kcontrol"])
    assert account is not None and (account.role, account.units) == ("controlling", ())
    # Without our CA the certificate is not trusted: no silent plain-text fallback.
    untrusted = config_of(
        directory,
        ZIELCOCKPIT_LDAP_URL=f"ldaps://127.0.0.1:{directory.tls_port}",
        ZIELCOCKPIT_LDAP_STARTTLS="0",
        ZIELCOCKPIT_TLS_CA_FILE="",
    )
    with pytest.raises(DirectoryUnavailable):
        authenticate(untrusted, "kcontrol", PASSWORDS["kcontrol"])


@pytest.mark.parametrize("search", [False, True], ids=["template", "search-account"])
def test_dir003_wrong_password_locked_unknown_and_unmapped_accounts(
    directory: Directory, search: bool
) -> None:
    config = config_of(directory, **({"ZIELCOCKPIT_LDAP_USER_DN": ""} if search else {}))
    assert authenticate(config, "jmeier", "falsch-falsch") is None
    assert authenticate(config, "jmeier", "") is None  # never an anonymous bind
    assert authenticate(config, "gesperrt", PASSWORDS["gesperrt"]) is None  # ppolicy: locked
    assert authenticate(config, "niemand", "irgendwas-1") is None
    assert authenticate(config, "*", "irgendwas-1") is None
    assert authenticate(config, "jmeier)(uid=*", PASSWORDS["jmeier"]) is None
    with pytest.raises(NoMappedGroup, match="keiner Gruppe des Zielcockpits zugeordnet"):
        authenticate(config, "ohnegruppe", PASSWORDS["ohnegruppe"])


def test_dir004_a_directory_that_is_down_or_silent_answers_in_time_in_german(
    directory: Directory,
) -> None:
    down = config_of(directory, ZIELCOCKPIT_LDAP_URL=f"ldap://127.0.0.1:{free_port()}")
    with pytest.raises(DirectoryUnavailable) as raised:
        authenticate(down, "jmeier", PASSWORDS["jmeier"])
    assert str(raised.value) == UNAVAILABLE and "antwortet gerade nicht" in UNAVAILABLE
    # A server that accepts the connection and then says nothing: the time-out ends the wait.
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(5)
        port = silent.getsockname()[1]
        slow = config_of(
            directory,
            ZIELCOCKPIT_LDAP_URL=f"ldap://127.0.0.1:{port}",
            ZIELCOCKPIT_LDAP_STARTTLS="0",
            ZIELCOCKPIT_LDAP_TIMEOUT="1",
        )
        started = time.monotonic()
        with pytest.raises(DirectoryUnavailable):
            authenticate(slow, "jmeier", PASSWORDS["jmeier"])
        assert time.monotonic() - started < 3


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("kein json", "ist kein JSON"),
        ('{"g": {"rolle": "chef"}}', "„rolle“ muss eine von"),
        ('{"g": {"rolle": "fachbereich"}}', "braucht „oe“"),
        ('{"g": {"rolle": "fachbereich", "oe": "510"}}', "Liste von OE"),
    ],
)
def test_dir005_group_mapping_errors_are_german(text: str, problem: str) -> None:
    with pytest.raises(SettingError, match=problem):
        group_rules(text)


def test_dir006_bad_directory_settings_are_german() -> None:
    def config(**values: str) -> Any:
        return directory_config(Settings.resolve(values, {}))

    assert config() is None
    with pytest.raises(SettingError, match="erwartet ldaps://"):
        config(ZIELCOCKPIT_LDAP_URL="http://dc", ZIELCOCKPIT_LDAP_SEARCH_BASE=BASE)
    with pytest.raises(SettingError, match="SEARCH_BASE fehlt"):
        config(ZIELCOCKPIT_LDAP_URL="ldaps://dc")
    with pytest.raises(SettingError, match=r"enthält kein \{name\}"):
        config(
            ZIELCOCKPIT_LDAP_URL="ldaps://dc",
            ZIELCOCKPIT_LDAP_SEARCH_BASE=BASE,
            ZIELCOCKPIT_LDAP_USER_DN=SEARCH_DN,
        )


# -- the web login ------------------------------------------------------------------------------


def web_app(url: str, directory: Directory, **changes: str) -> Any:
    dash.page_registry.clear()
    return create_app(Settings.resolve({"DATABASE_URL": url, **directory.settings(**changes)}, {}))


def login(client: FlaskClient, name: str, password: str) -> Any:
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf
    return client.post(
        "/login", data={"name": name, "password": password, "csrf": csrf.group(1), "next": "/"}
    )


def test_dir007_web_login_with_the_directory_audit_throttle_and_lock(
    databases: Any, directory: Directory
) -> None:
    url = databases.url("catalogue")
    app = web_app(url, directory)
    engine: Engine = app.server.config["ZC_ENGINE"]
    client = app.server.test_client()

    answered = login(client, "jmeier", PASSWORDS["jmeier"])
    assert answered.status_code == 302 and answered.headers["Location"] == "/"
    assert client.get("/").status_code == 200
    (row,) = [u for u in list_users(engine) if u.name == "jmeier"]
    assert (row.role, row.units, row.display_name) == (
        "fachbereich",
        ("510",),
        "Jana Meier (Jugendamt)",
    )
    created = [e for e in audit_entries(engine) if e["action"] == "benutzer_angelegt"]
    assert [(e["actor"], e["key"], e["source"]) for e in created] == [
        ("Verzeichnis", "jmeier", "Verzeichnis")
    ]

    # Wrong password: the same answer as for a local account; the same limits.
    other = app.server.test_client()
    for _ in range(5):
        assert login(other, "kcontrol", "falsch-falsch").status_code == 401
    throttled = login(other, "kcontrol", PASSWORDS["kcontrol"])
    assert throttled.status_code == 429 and "Zu viele Anmeldeversuche" in throttled.get_data(
        as_text=True
    )
    refused = login(app.server.test_client(), "gesperrt", PASSWORDS["gesperrt"])
    assert refused.status_code == 401
    assert "Benutzername oder Passwort ist falsch." in refused.get_data(as_text=True)
    unmapped = login(app.server.test_client(), "ohnegruppe", PASSWORDS["ohnegruppe"])
    assert unmapped.status_code == 403 and "keiner Gruppe" in unmapped.get_data(as_text=True)

    # Locked in the directory while logged in: the next request (valid cookie) is refused.
    directory.modify("jmeier", "pwdAccountLockedTime", ["000001010000Z"])
    try:
        again = client.get("/")
        assert again.status_code == 302 and again.headers["Location"].startswith("/login")
        ended = [e for e in audit_entries(engine) if e["action"] == "verzeichnis_abgemeldet"]
        assert [e["key"] for e in ended] == ["jmeier"]
    finally:
        directory.modify("jmeier", "pwdAccountLockedTime", [])
    # Unlocked again: the old cookie stays ended (its generation is gone); a new login works.
    assert client.get("/").status_code == 302
    assert login(client, "jmeier", PASSWORDS["jmeier"]).status_code == 302
    assert client.get("/").status_code == 200
    app.server.config["ZC_ENGINE"].dispose()


def test_dir008_directory_down_german_message_and_the_local_admin_still_logs_in(
    databases: Any, directory: Directory, tmp_path: Path
) -> None:
    url = databases.url("catalogue")
    app = web_app(url, directory, ZIELCOCKPIT_LDAP_URL=f"ldap://127.0.0.1:{free_port()}")
    engine: Engine = app.server.config["ZC_ENGINE"]
    add_user(engine, "admin", "admin", "Lokales-Passwort-1", [], actor="test")
    down = login(app.server.test_client(), "jmeier", PASSWORDS["jmeier"])
    assert down.status_code == 503
    assert "Das Verzeichnis (Anmeldedienst der Stadt) antwortet gerade nicht" in down.get_data(
        as_text=True
    )
    client = app.server.test_client()
    assert login(client, "admin", "Lokales-Passwort-1").status_code == 302
    assert client.get("/benutzer").status_code == 200
    # A directory that is down counts no failed attempt against the account.
    for _ in range(6):
        assert login(app.server.test_client(), "jmeier", PASSWORDS["jmeier"]).status_code == 503
    app.server.config["ZC_ENGINE"].dispose()
