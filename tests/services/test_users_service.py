"""Accounts through the one use case the page /benutzer and the `user` command share."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from db.logins import attempt_login
from db.models import AuditEntry
from db.users import list_users
from zielcockpit.domain.access import AuthError, Principal
from zielcockpit.services.users import accounts, create_account, reset_password, set_active

ADMIN = Principal("ada", "admin")


def test_usr001_add_disable_enable_reset_audited(catalogue_engine: Engine) -> None:
    made = create_account(catalogue_engine, ADMIN, "berta", "fachbereich", ["510"])
    assert made is not None and len(made) >= 10
    assert attempt_login(catalogue_engine, "berta", made, "127.0.0.1") is not None
    row = next(u for u in accounts(catalogue_engine, ADMIN) if u.name == "berta")
    assert row.units == ("510",) and row.active and row.last_login_at is not None
    set_active(catalogue_engine, ADMIN, "berta", False)
    assert attempt_login(catalogue_engine, "berta", made, "127.0.0.1") is None
    set_active(catalogue_engine, ADMIN, "berta", True)
    new = reset_password(catalogue_engine, ADMIN, "berta")
    assert new and new != made
    assert attempt_login(catalogue_engine, "berta", made, "127.0.0.1") is None
    assert attempt_login(catalogue_engine, "berta", new, "127.0.0.1") is not None
    given = create_account(
        catalogue_engine, ADMIN, "carla", "controlling", [], password="ein-langes-passwort"
    )
    assert given is None
    with catalogue_engine.connect() as conn:
        actions = list(
            conn.scalars(
                select(AuditEntry.action).where(AuditEntry.actor == "ada").order_by(AuditEntry.id)
            )
        )
        sources = set(conn.scalars(select(AuditEntry.source).where(AuditEntry.actor == "ada")))
    assert actions == [
        "benutzer_angelegt",
        "benutzer_gesperrt",
        "benutzer_entsperrt",
        "passwort_geaendert",
        "benutzer_angelegt",
    ]
    assert sources == {"Benutzerverwaltung"}


@pytest.mark.parametrize(
    ("name", "role", "units", "password", "message"),
    [
        ("berta", "fachbereich", [], None, "braucht mindestens eine Organisationseinheit"),
        ("berta", "fachbereich", ["999"], None, "Organisationseinheit 999 gibt es nicht"),
        ("be rta", "leitung", [], None, "keine Leerzeichen"),
        ("berta", "chef", [], None, "Rolle „chef“ gibt es nicht"),
        ("berta", "leitung", [], "kurz", "mindestens"),
    ],
)
def test_usr002_the_command_s_rules(
    catalogue_engine: Engine,
    name: str,
    role: str,
    units: list[str],
    password: str | None,
    message: str,
) -> None:
    with pytest.raises(AuthError, match=message):
        create_account(catalogue_engine, ADMIN, name, role, units, password=password)
    assert list_users(catalogue_engine) == []


def test_usr003_only_the_administration_and_not_oneself(catalogue_engine: Engine) -> None:
    for principal in (Principal("c", "controlling"), Principal("l", "leitung"), None):
        with pytest.raises(AuthError):
            create_account(catalogue_engine, principal, "berta", "leitung", [])
    create_account(catalogue_engine, ADMIN, "ada", "admin", [], password="ein-langes-passwort")
    with pytest.raises(AuthError, match="eigene Konto"):
        set_active(catalogue_engine, ADMIN, "ada", False)
    with pytest.raises(AuthError, match="letzte aktive Administrator"):
        set_active(catalogue_engine, Principal("shell:root", "admin"), "ada", False)
