"""Users, tokens and logins in the database, and the `user` / `token` commands."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import Engine, select

from db.audit_trail import audit_entries
from db.engine import make_engine, transaction
from db.logins import ACCOUNT_FREE_TRIES, ADDRESS_LIMIT, Throttled, attempt_login
from db.models import LoginAttempt
from db.tokens import create_token, principal_of_token
from db.users import add_user, disable_user, list_users, principal_of
from tests.services.test_status import cli
from zielcockpit.domain.access import Principal

if TYPE_CHECKING:
    from tests.conftest import Databases

PASSWORD = "ein-langes-passwort"


def test_acc001_user_lifecycle(catalogue_engine: Engine) -> None:
    add_user(catalogue_engine, "fb500", "fachbereich", PASSWORD, ["500"], actor="test")
    principal = attempt_login(catalogue_engine, "fb500", PASSWORD, "10.0.0.1")
    assert isinstance(principal, Principal)
    assert principal.role == "fachbereich" and "500" in principal.units
    assert attempt_login(catalogue_engine, "fb500", "falsches-passwort", "10.0.0.1") is None
    assert attempt_login(catalogue_engine, "niemand", PASSWORD, "10.0.0.1") is None
    disable_user(catalogue_engine, "fb500", actor="test")
    assert attempt_login(catalogue_engine, "fb500", PASSWORD, "10.0.0.1") is None
    assert principal_of(catalogue_engine, "fb500") is None
    rows = list_users(catalogue_engine)
    assert [(r.name, r.active) for r in rows] == [("fb500", False)]
    actions = [e["action"] for e in audit_entries(catalogue_engine) if e["entity"] == "benutzer"]
    assert actions == ["benutzer_gesperrt", "benutzer_angelegt"]


def _attempts(engine: Engine) -> list[tuple[str, str | None]]:
    with transaction(engine) as session:
        rows = session.scalars(select(LoginAttempt).order_by(LoginAttempt.id))
        return [(r.user_name, r.address) for r in rows]


def test_acc002_failures_lock_the_account_for_a_while_not_its_neighbours(
    catalogue_engine: Engine,
) -> None:
    engine = catalogue_engine
    add_user(engine, "fb500", "fachbereich", PASSWORD, ["500"], actor="test")
    add_user(engine, "nachbar", "leitung", PASSWORD, [], actor="test")
    start = dt.datetime.now(dt.UTC).replace(tzinfo=None)

    def at(seconds: float) -> dt.datetime:
        return start + dt.timedelta(seconds=seconds)

    for i in range(ACCOUNT_FREE_TRIES):
        assert attempt_login(engine, "fb500", "falsch-geraten", "10.0.0.9", now=at(i)) is None
    last = ACCOUNT_FREE_TRIES - 1
    # the right password is refused too while the account waits: 30 s after the last failure
    refused = attempt_login(engine, "fb500", PASSWORD, "10.0.0.9", now=at(last + 1))
    assert refused == Throttled(29, per_account=True)
    assert refused.message == (
        "Zu viele Anmeldeversuche für dieses Konto. Bitte in 29 Sekunden erneut versuchen."
    )
    # refusals are not counted: hammering during the wait does not make it longer
    for _ in range(3):
        again = attempt_login(engine, "fb500", "falsch-geraten", "10.0.0.9", now=at(last + 10))
        assert again == Throttled(20, per_account=True)
    assert len(_attempts(engine)) == ACCOUNT_FREE_TRIES
    # another user from the same address is not affected
    neighbour = attempt_login(engine, "nachbar", PASSWORD, "10.0.0.9", now=at(last + 10))
    assert isinstance(neighbour, Principal) and neighbour.name == "nachbar"
    # after the wait one more failure, and the next wait doubles
    assert attempt_login(engine, "fb500", "falsch-geraten", "10.0.0.9", now=at(last + 30)) is None
    assert attempt_login(engine, "fb500", PASSWORD, "10.0.0.9", now=at(last + 31)) == Throttled(
        59, per_account=True
    )
    # once that wait is over the right password works and clears the account's failures
    ok = attempt_login(engine, "fb500", PASSWORD, "10.0.0.9", now=at(last + 90))
    assert isinstance(ok, Principal) and ok.name == "fb500"
    assert _attempts(engine) == []
    # failures older than the window count for nothing
    for i in range(ACCOUNT_FREE_TRIES):
        attempt_login(engine, "fb500", "falsch-geraten", "10.0.0.9", now=at(100 + i))
    later = at(100 + 16 * 60)
    assert isinstance(attempt_login(engine, "fb500", PASSWORD, "10.0.0.9", now=later), Principal)


def test_acc005_one_address_guessing_many_accounts_is_stopped_much_later(
    catalogue_engine: Engine,
) -> None:
    engine = catalogue_engine
    add_user(engine, "nachbar", "leitung", PASSWORD, [], actor="test")
    start = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    # a password spray: every account tried less often than its own limit
    with transaction(engine) as session:
        session.add_all(
            LoginAttempt(
                user_name=f"konto{i % 40}",
                address="10.0.0.66",
                at=start + dt.timedelta(seconds=i),
            )
            for i in range(ADDRESS_LIMIT - 1)
        )
    # below the limit the address still logs in (and the correct login adds nothing)
    assert isinstance(attempt_login(engine, "nachbar", PASSWORD, "10.0.0.66", now=start), Principal)
    last = start + dt.timedelta(seconds=ADDRESS_LIMIT)
    assert attempt_login(engine, "konto7", "falsch-geraten", "10.0.0.66", now=last) is None
    refused = attempt_login(engine, "nachbar", PASSWORD, "10.0.0.66", now=last)
    assert isinstance(refused, Throttled) and not refused.per_account
    assert refused.seconds == 15 * 60 - ADDRESS_LIMIT  # until the oldest failure leaves the window
    assert "von dieser Adresse" in refused.message
    # the same account from another address is not affected
    elsewhere = attempt_login(engine, "nachbar", PASSWORD, "10.0.0.67", now=last)
    assert isinstance(elsewhere, Principal)


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
