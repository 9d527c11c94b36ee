"""Users, API tokens, login attempts and the audit trail: storage and named queries."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from db.engine import transaction
from db.models import (
    ApiToken,
    AuditEntry,
    LoginAttempt,
    Organisationseinheit,
    User,
    _utcnow,
)
from zielcockpit.auth import (
    ROLES,
    AuthError,
    Principal,
    hash_password,
    new_token,
    token_digest,
    units_with_children,
    verify_password,
)

LOGIN_WINDOW = dt.timedelta(minutes=15)
LOGIN_FREE_TRIES = 5  # after these, every further try in the window waits longer


def audit(
    session: Session,
    actor: str,
    action: str,
    entity: str,
    key: str,
    old: Any,
    new: Any,
    *,
    source: str | None = None,
    massnahme_id: int | None = None,
    run_id: int | None = None,
) -> None:
    """Record a change inside the caller's transaction (so it lands exactly when the change does)."""

    def text(value: Any) -> str | None:
        if value is None or isinstance(value, str):
            return value
        return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)

    session.add(
        AuditEntry(
            actor=actor,
            action=action,
            entity=entity,
            entity_key=key,
            old=text(old),
            new=text(new),
            source=source,
            massnahme_id=massnahme_id,
            import_run_id=run_id,
        )
    )


# -- users ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UserRow:
    name: str
    display_name: str | None
    role: str
    units: tuple[str, ...]
    active: bool
    demo: bool


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise AuthError(f"Rolle „{role}“ gibt es nicht. Erlaubt: {', '.join(ROLES)}.")


def _units(session: Session, codes: list[str], role: str) -> list[Organisationseinheit]:
    if role == "fachbereich" and not codes:
        raise AuthError(
            "Die Rolle „fachbereich“ braucht mindestens eine Organisationseinheit (--oe)."
        )
    found = {
        o.code: o
        for o in session.scalars(
            select(Organisationseinheit).where(Organisationseinheit.code.in_(codes))
        )
    }
    missing = [c for c in codes if c not in found]
    if missing:
        known = ", ".join(
            session.scalars(select(Organisationseinheit.code).order_by(Organisationseinheit.code))
        )
        raise AuthError(
            f"Organisationseinheit {', '.join(missing)} gibt es nicht. Vorhanden: {known}."
        )
    return [found[c] for c in codes]


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
) -> None:
    _check_role(role)
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
            units=_units(session, units, role),
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
            source="Kommandozeile",
        )


def set_password(engine: Engine, name: str, password: str, *, actor: str) -> None:
    hashed = hash_password(password)
    with transaction(engine) as session:
        user = session.scalars(select(User).where(User.name == name)).one_or_none()
        if user is None:
            raise AuthError(f"Benutzer „{name}“ gibt es nicht.")
        user.password_hash = hashed
        audit(session, actor, "passwort_geaendert", "benutzer", name, None, None)


def disable_user(engine: Engine, name: str, *, actor: str) -> None:
    with transaction(engine) as session:
        user = session.scalars(select(User).where(User.name == name)).one_or_none()
        if user is None:
            raise AuthError(f"Benutzer „{name}“ gibt es nicht.")
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
                source="Kommandozeile",
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


def _unit_tree(session: Session) -> dict[str, str | None]:
    rows = session.execute(
        select(Organisationseinheit.id, Organisationseinheit.code, Organisationseinheit.parent_id)
    ).all()
    code_of = {r.id: r.code for r in rows}
    return {r.code: code_of.get(r.parent_id) for r in rows}


def principal_of(engine: Engine, name: str) -> Principal | None:
    """The active user's permissions, or None (unknown or disabled)."""
    with transaction(engine) as session:
        user = session.scalars(select(User).where(User.name == name)).one_or_none()
        if user is None or not user.active:
            return None
        units = units_with_children((o.code for o in user.units), _unit_tree(session))
        return Principal(user.name, user.role, units)


# -- logins ------------------------------------------------------------------------------------------


def login_delay(
    engine: Engine, name: str, address: str | None, now: dt.datetime | None = None
) -> float:
    """Seconds a login must wait: none for the first tries, then doubling up to 30 s."""
    now = now or _utcnow()
    with engine.connect() as conn:
        recent = (
            conn.scalar(
                select(func.count())
                .select_from(LoginAttempt)
                .where(
                    LoginAttempt.at >= now - LOGIN_WINDOW,
                    (LoginAttempt.user_name == name) | (LoginAttempt.address == address),
                )
            )
            or 0
        )
    extra = recent - LOGIN_FREE_TRIES
    return 0.0 if extra < 0 else float(min(30, 2**extra))


def authenticate(engine: Engine, name: str, password: str, address: str | None) -> Principal | None:
    """Check a login; a failure is recorded and never says which part was wrong."""
    with transaction(engine) as session:
        user = session.scalars(select(User).where(User.name == name)).one_or_none()
        stored = user.password_hash if user is not None and user.active else None
    ok = verify_password(password, stored)
    if not ok:
        with transaction(engine) as session:
            session.add(LoginAttempt(user_name=name[:80], address=address))
        return None
    with transaction(engine) as session:
        session.query(LoginAttempt).filter(LoginAttempt.user_name == name).delete()
    return principal_of(engine, name)


# -- tokens ------------------------------------------------------------------------------------------


def create_token(engine: Engine, name: str, role: str, units: list[str], *, actor: str) -> str:
    _check_role(role)
    token = new_token()
    with transaction(engine) as session:
        if session.scalar(select(ApiToken.id).where(ApiToken.name == name)) is not None:
            raise AuthError(f"Ein Token „{name}“ gibt es schon.")
        _units(session, units, role)
        session.add(
            ApiToken(
                name=name,
                digest=token_digest(token),
                role=role,
                units=",".join(units),
                created_by=actor,
            )
        )
        audit(
            session,
            actor,
            "token_angelegt",
            "token",
            name,
            None,
            {"rolle": role, "oe": units},
            source="Kommandozeile",
        )
    return token


def principal_of_token(engine: Engine, token: str) -> Principal | None:
    with transaction(engine) as session:
        row = session.scalars(
            select(ApiToken).where(
                ApiToken.digest == token_digest(token), ApiToken.active.is_(True)
            )
        ).one_or_none()
        if row is None:
            return None
        units = [u for u in row.units.split(",") if u]
        return Principal(
            f"token:{row.name}", row.role, units_with_children(units, _unit_tree(session))
        )


def audit_entries(
    engine: Engine, massnahme_id: int | None = None, limit: int = 500
) -> list[dict[str, Any]]:
    """The newest changes first, optionally of one measure (for the measure page)."""
    stmt = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    if massnahme_id is not None:
        stmt = stmt.where(AuditEntry.massnahme_id == massnahme_id)
    with transaction(engine) as session:
        return [
            {
                "at": e.at,
                "actor": e.actor,
                "action": e.action,
                "entity": e.entity,
                "key": e.entity_key,
                "old": e.old,
                "new": e.new,
                "source": e.source,
            }
            for e in session.scalars(stmt)
        ]
