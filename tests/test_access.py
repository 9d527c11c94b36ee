"""Users, tokens and logins in the database, and the `user` / `token` commands."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import Engine, select

from db.audit_trail import audit_entries
from db.engine import make_engine, transaction
from db.logins import authenticate, login_delay
from db.models import LoginAttempt
from db.tokens import create_token, principal_of_token
from db.users import add_user, disable_user, list_users, principal_of
from tests.test_status import cli

if TYPE_CHECKING:
    from tests.conftest import Databases

PASSWORD = "ein-langes-passwort"


def test_acc001_user_lifecycle(catalogue_engine: Engine) -> None:
    add_user(catalogue_engine, "fb500", "fachbereich", PASSWORD, ["500"], actor="test")
    principal = authenticate(catalogue_engine, "fb500", PASSWORD, "10.0.0.1")
    assert principal is not None and principal.role == "fachbereich" and "500" in principal.units
    assert authenticate(catalogue_engine, "fb500", "falsches-passwort", "10.0.0.1") is None
    assert authenticate(catalogue_engine, "niemand", PASSWORD, "10.0.0.1") is None
    disable_user(catalogue_engine, "fb500", actor="test")
    assert authenticate(catalogue_engine, "fb500", PASSWORD, "10.0.0.1") is None
    assert principal_of(catalogue_engine, "fb500") is None
    rows = list_users(catalogue_engine)
    assert [(r.name, r.active) for r in rows] == [("fb500", False)]
    actions = [e["action"] for e in audit_entries(catalogue_engine) if e["entity"] == "benutzer"]
    assert actions == ["benutzer_gesperrt", "benutzer_angelegt"]


def test_acc002_failed_logins_slow_down(catalogue_engine: Engine) -> None:
    assert login_delay(catalogue_engine, "x", "10.0.0.9") == 0
    for _ in range(7):
        authenticate(catalogue_engine, "x", "falsch-falsch-falsch", "10.0.0.9")
    assert login_delay(catalogue_engine, "x", "10.0.0.9") == 4.0
    assert login_delay(catalogue_engine, "anderer", "10.0.0.9") == 4.0  # same address
    later = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(hours=1)
    assert login_delay(catalogue_engine, "x", "10.0.0.9", now=later) == 0
    with transaction(catalogue_engine) as session:
        assert len(session.scalars(select(LoginAttempt)).all()) == 7


def test_acc003_tokens(catalogue_engine: Engine) -> None:
    token = create_token(
        catalogue_engine, "statistik-export", "fachbereich", ["Jobcenter"], actor="t"
    )
    principal = principal_of_token(catalogue_engine, token)
    assert principal is not None and principal.units == {"Jobcenter"}
    assert principal_of_token(catalogue_engine, token + "x") is None


def test_acc004_user_commands(databases: Databases) -> None:
    url = databases.url("catalogue")
    done = cli(
        "user",
        "add",
        "amt510",
        "--role",
        "fachbereich",
        "--oe",
        "510",
        "--password-stdin",
        url=url,
        stdin=PASSWORD + "\n",
    )
    assert done.returncode == 0, done.stderr
    assert "angelegt" in done.stdout
    listed = cli("user", "list", url=url)
    assert "amt510" in listed.stdout and "510" in listed.stdout and "aktiv" in listed.stdout
    bad = cli(
        "user",
        "add",
        "x",
        "--role",
        "fachbereich",
        "--password-stdin",
        url=url,
        stdin=PASSWORD + "\n",
    )
    assert bad.returncode == 1 and "braucht mindestens eine Organisationseinheit" in bad.stderr
    bad = cli(
        "user",
        "add",
        "y",
        "--role",
        "fachbereich",
        "--oe",
        "999",
        "--password-stdin",
        url=url,
        stdin=PASSWORD + "\n",
    )
    assert bad.returncode == 1 and "Organisationseinheit 999 gibt es nicht" in bad.stderr
    short = cli(
        "user", "add", "z", "--role", "leitung", "--password-stdin", url=url, stdin="kurz\n"
    )
    assert short.returncode == 1 and "mindestens 10 Zeichen" in short.stderr
    wrong_role = cli("user", "add", "z", "--role", "chef", url=url)
    assert wrong_role.returncode == 2
    token = cli("token", "create", "bi-tool", "--role", "leitung", url=url)
    assert token.returncode == 0
    last = token.stdout.strip().splitlines()[-1]
    assert last.startswith("zc_") and " " not in last
    engine = make_engine(url)
    assert principal_of_token(engine, last) is not None
    engine.dispose()
    gone = cli("user", "disable", "amt510", url=url)
    assert gone.returncode == 0 and "gesperrt" in gone.stdout
