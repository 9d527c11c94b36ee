"""Use case: accounts, for the `user` command and the page /benutzer alike (the same rules).

Add (role, units, a password set by the administrator or made here and shown once), disable
and enable, reset a password; every change audited. Only the administration manages accounts
in the browser; an administrator cannot disable their own account (someone must be able to
administer), nor the last active administrator.
"""

from __future__ import annotations

import secrets

from sqlalchemy import Engine

from db.users import (
    UserRow,
    add_user,
    disable_user,
    enable_user,
    list_users,
    set_password,
)
from zielcockpit.domain.access import AuthError, Principal

BROWSER = "Benutzerverwaltung"  # the audit trail's source of changes made on /benutzer


def may_manage(principal: Principal | None) -> str | None:
    """Why this principal may not manage accounts (None: may)."""
    if principal is None:
        return "Bitte zuerst anmelden."
    if principal.can_manage_users:
        return None
    return "Keine Berechtigung: Benutzer verwaltet nur die Administration."


def _require(principal: Principal | None) -> Principal:
    refusal = may_manage(principal)
    if refusal is not None or principal is None:
        raise AuthError(refusal or "Bitte zuerst anmelden.")
    return principal


def new_password() -> str:
    """A random password of 16 characters (shown once)."""
    return secrets.token_urlsafe(12)


def accounts(engine: Engine, principal: Principal | None) -> list[UserRow]:
    _require(principal)
    return list_users(engine)


def create_account(
    engine: Engine,
    principal: Principal | None,
    name: str,
    role: str,
    units: list[str],
    *,
    password: str | None = None,
    display_name: str | None = None,
    source: str = BROWSER,
) -> str | None:
    """Add a user; returns the password made here (None: the one given was used)."""
    actor = _require(principal)
    made = None if password is not None else new_password()  # None: make one
    add_user(
        engine,
        name.strip(),
        role,
        password if password is not None else str(made),
        [u.strip() for u in units if u.strip()],
        actor=actor.name,
        display_name=(display_name or "").strip() or None,
        source=source,
    )
    return made


def set_active(
    engine: Engine, principal: Principal | None, name: str, active: bool, *, source: str = BROWSER
) -> None:
    actor = _require(principal)
    if active:
        enable_user(engine, name, actor=actor.name, source=source)
        return
    if name == actor.name:
        raise AuthError("Das eigene Konto lässt sich nicht sperren.")
    others = [u for u in list_users(engine) if u.role == "admin" and u.active and u.name != name]
    target = next((u for u in list_users(engine) if u.name == name), None)
    if target is not None and target.role == "admin" and target.active and not others:
        raise AuthError("Der letzte aktive Administrator lässt sich nicht sperren.")
    disable_user(engine, name, actor=actor.name, source=source)


def reset_password(
    engine: Engine,
    principal: Principal | None,
    name: str,
    password: str | None = None,
    *,
    source: str = BROWSER,
) -> str | None:
    """A new password (given, or made here and returned to be shown once); every session of
    the user ends."""
    actor = _require(principal)
    made = None if password is not None else new_password()  # None: make one
    set_password(
        engine,
        name,
        password if password is not None else str(made),
        actor=actor.name,
        source=source,
    )
    return made
