"""Logins: checking a password, recording failed attempts and the slow-down that follows."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine, func, select

from db.engine import transaction
from db.models import LoginAttempt, User, _utcnow
from db.users import principal_of
from zielcockpit.auth import (
    Principal,
    verify_password,
)

LOGIN_WINDOW = dt.timedelta(minutes=15)
LOGIN_FREE_TRIES = 5  # after these, every further try in the window waits longer


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
