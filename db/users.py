"""Users: creating, disabling and listing them, and what an active user may do."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Engine, func, select, update

from db.audit_trail import audit
from db.engine import transaction
from db.models import User
from db.units import check_role, check_units, unit_parents
from zielcockpit.domain.access import (
    AuthError,
    Principal,
    hash_password,
    units_with_children,
)


@dataclass(frozen=True)
class UserRow:
    name: str
    display_name: str | None
    role: str
    units: tuple[str, ...]
    active: bool
    demo: bool
    last_login_at: dt.datetime | None = None
    directory: bool = False  # signs in with the city's directory (no local password)


def add_user(
    engine: Engine,
    name: str,
    role: str,
    password: str,
    units: list[str],
    *,
    actor: str,
    display_name: str | None = None,
    demo: bool = False,
    source: str = "Kommandozeile",
) -> None:
    check_role(role)
    if not name or len(name) > 80 or any(c.isspace() for c in name):
        raise AuthError("Der Benutzername darf nicht leer sein und keine Leerzeichen enthalten.")
    hashed = hash_password(password)
    with transaction(engine) as session:
        if session.scalar(select(User.id).where(User.name == name)) is not None:
            raise AuthError(f"Benutzer „{name}“ gibt es schon.")
        user = User(
            name=name,
            role=role,
            password_hash=hashed,
            display_name=display_name,
            demo=demo,
            units=check_units(session, units, role),
        )
        session.add(user)
        audit(
            session,
            actor,
            "benutzer_angelegt",
            "benutzer",
            name,
            None,
            {"rolle": role, "oe": units},
            source=source,
        )


def set_password(
    engine: Engine, name: str, password: str, *, actor: str, source: str | None = None
) -> None:
    hashed = hash_password(password)
    with transaction(engine) as session:
        user = session.scalars(select(User).where(User.name == name)).one_or_none()
        if user is None:
            raise AuthError(f"Benutzer „{name}“ gibt es nicht.")
        user.password_hash = hashed
        user.session_generation += 1  # whoever knew the old password is logged out
        audit(session, actor, "passwort_geaendert", "benutzer", name, None, None, source=source)


def disable_user(engine: Engine, name: str, *, actor: str, source: str = "Kommandozeile") -> None:
    with transaction(engine) as session:
        user = session.scalars(select(User).where(User.name == name)).one_or_none()
        if user is None:
            raise AuthError(f"Benutzer „{name}“ gibt es nicht.")
        user.session_generation += 1
        if user.active:
            user.active = False
            audit(
                session,
                actor,
                "benutzer_gesperrt",
                "benutzer",
                name,
                {"aktiv": True},
                {"aktiv": False},
                source=source,
            )


def enable_user(engine: Engine, name: str, *, actor: str, source: str = "Kommandozeile") -> None:
    with transaction(engine) as session:
        user = session.scalars(select(User).where(User.name == name)).one_or_none()
        if user is None:
            raise AuthError(f"Benutzer „{name}“ gibt es nicht.")
        if not user.active:
            user.active = True
            audit(
                session,
                actor,
                "benutzer_entsperrt",
                "benutzer",
                name,
                {"aktiv": False},
                {"aktiv": True},
                source=source,
            )


def list_users(engine: Engine) -> list[UserRow]:
    with transaction(engine) as session:
        return [
            UserRow(
                u.name,
                u.display_name,
                u.role,
                tuple(sorted(o.code for o in u.units)),
                u.active,
                u.demo,
                u.last_login_at,
                bool(u.directory_dn),
            )
            for u in session.scalars(select(User).order_by(User.name))
        ]


def admin_exists(engine: Engine) -> bool:
    with engine.connect() as conn:
        admins = conn.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role == "admin", User.active.is_(True))
        )
    return bool(admins)


def principal_of(
    engine: Engine, name: str, *, session_generation: int | None = None
) -> Principal | None:
    """The active user's permissions, or None (unknown or disabled).

    With `session_generation` (from a session cookie) also None when the user's sessions were
    ended since that cookie was issued (logout, disabled, new password).
    """
    with transaction(engine) as session:
        user = session.scalars(select(User).where(User.name == name)).one_or_none()
        if user is None or not user.active:
            return None
        if session_generation is not None and user.session_generation != session_generation:
            return None
        units = units_with_children((o.code for o in user.units), unit_parents(session))
        return Principal(user.name, user.role, units)


def session_generation(engine: Engine, name: str) -> int | None:
    """The generation a new session of this user carries (None: no such user)."""
    with engine.connect() as conn:
        return conn.scalar(select(User.session_generation).where(User.name == name))


def end_sessions(engine: Engine, name: str) -> None:
    """End every session of the user, on every instance (they compare the generation)."""
    with transaction(engine) as session:
        session.execute(
            update(User)
            .where(User.name == name)
            .values(session_generation=User.session_generation + 1)
        )


# -- directory accounts (LDAP / AD; zielcockpit/services/directory.py) -----------------------------

DIRECTORY = "Verzeichnis"  # the audit trail's source of changes the directory made


@dataclass(frozen=True)
class DirectoryState:
    dn: str
    checked_at: dt.datetime | None


def directory_state(engine: Engine, name: str) -> DirectoryState | None:
    """The DN of a directory account and when the directory last confirmed it (None: local)."""
    with engine.connect() as conn:
        row = conn.execute(
            select(User.directory_dn, User.directory_checked_at).where(User.name == name)
        ).one_or_none()
    if row is None or not row.directory_dn:
        return None
    return DirectoryState(row.directory_dn, row.directory_checked_at)


def is_local_account(engine: Engine, name: str) -> bool:
    """A local account (with its own password) never logs in through the directory."""
    with engine.connect() as conn:
        return (
            conn.scalar(select(User.id).where(User.name == name, User.password_hash.is_not(None)))
            is not None
        )


def sync_directory_user(
    engine: Engine,
    name: str,
    dn: str,
    display_name: str | None,
    role: str,
    units: list[str],
    now: dt.datetime,
) -> None:
    """Create or update the local row of a directory account (no password) with the role and
    units its groups give it; audited like a change on /benutzer. A local account of the same
    name is never taken over."""
    check_role(role)
    with transaction(engine) as session:
        user = session.scalars(select(User).where(User.name == name)).one_or_none()
        found = check_units(session, units, role)
        if user is None:
            user = User(name=name, role=role, password_hash=None, display_name=display_name)
            user.units = found
            session.add(user)
            audit(
                session,
                DIRECTORY,
                "benutzer_angelegt",
                "benutzer",
                name,
                None,
                {"rolle": role, "oe": units, "verzeichnis": dn},
                source=DIRECTORY,
            )
        elif user.password_hash is not None:
            raise AuthError(f"„{name}“ ist ein lokales Konto.")
        else:
            old = {"rolle": user.role, "oe": sorted(o.code for o in user.units)}
            new = {"rolle": role, "oe": sorted(units)}
            if old != new:
                user.role, user.units = role, found
                user.session_generation += 1  # other sessions had the old rights
                audit(
                    session,
                    DIRECTORY,
                    "benutzer_geaendert",
                    "benutzer",
                    name,
                    old,
                    new,
                    source=DIRECTORY,
                )
            if display_name:
                user.display_name = display_name
        user.directory_dn, user.directory_checked_at = dn, now


def directory_checked(engine: Engine, name: str, now: dt.datetime) -> None:
    with transaction(engine) as session:
        session.execute(update(User).where(User.name == name).values(directory_checked_at=now))


def directory_refused(engine: Engine, name: str, reason: str) -> None:
    """The directory no longer knows or allows the account: every session of it ends."""
    with transaction(engine) as session:
        session.execute(
            update(User)
            .where(User.name == name)
            .values(session_generation=User.session_generation + 1, directory_checked_at=None)
        )
        audit(
            session,
            DIRECTORY,
            "verzeichnis_abgemeldet",
            "benutzer",
            name,
            None,
            reason,
            source=DIRECTORY,
        )
