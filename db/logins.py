"""Logins: checking a password and the limits on failed attempts, per account and per address.

Nothing here waits: a login over a limit is refused at once with the seconds until the next
try (the web app answers HTTP 429), so guessing can neither occupy a worker nor slow anybody
else down. The attempts live in the database, so every worker and instance counts the same.

- Per account (user name, known or not, so a refusal tells nothing about existence): the first
  5 failures in 15 minutes cost nothing; after them the account waits 30 s after the last
  failure, then 60 s, 120 s … up to 15 minutes. Attempts refused while waiting are neither
  checked nor counted, so they cannot prolong the wait, and the right password is refused too
  until the wait is over (otherwise the limit would not limit guessing).
- Per address: 100 failures in 15 minutes, over all accounts, then the address waits until its
  oldest counted failure is 15 minutes old. A correct login of another user from the same
  address is not affected below that limit.

An attempt is recorded *before* its password is checked and removed again when it succeeds or
is refused, so parallel guesses count each other and cannot all slip under the limit together.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Engine, delete, func, select, update

from db.engine import transaction
from db.models import LoginAttempt, User, utcnow
from db.users import principal_of
from zielcockpit.domain.access import Principal, verify_password

LOGIN_WINDOW = dt.timedelta(minutes=15)
ACCOUNT_FREE_TRIES = 5
ACCOUNT_FIRST_WAIT = dt.timedelta(seconds=30)  # doubles with every further failure
ACCOUNT_MAX_WAIT = dt.timedelta(minutes=15)
ADDRESS_LIMIT = 100  # failures from one address in the window, over all accounts


@dataclass(frozen=True)
class Throttled:
    """A login refused without looking at the password: too many failures before it."""

    seconds: int
    per_account: bool  # False: the address is over its limit

    @property
    def message(self) -> str:
        unit = "Sekunde" if self.seconds == 1 else "Sekunden"
        whose = "für dieses Konto" if self.per_account else "von dieser Adresse"
        return f"Zu viele Anmeldeversuche {whose}. Bitte in {self.seconds} {unit} erneut versuchen."


def attempt_login(
    engine: Engine,
    name: str,
    password: str,
    address: str | None,
    now: dt.datetime | None = None,
    directory: Callable[[str, str], bool] | None = None,
) -> Principal | Throttled | None:
    """A login: the user's permissions, a refusal over a limit, or None (wrong name/password).

    A failure never says which part was wrong. `directory(name, password)`, when given, checks a
    name without a local password against the city's directory (True: accepted, and its local
    row is up to date); the same limits apply. If it raises (the directory is down), the attempt
    is not counted and the error goes to the caller.
    """
    now = now or utcnow()
    name = name[:80]
    attempt = _record(engine, name, address, now)
    throttled = _throttled(engine, name, address, attempt, now)
    if throttled is not None:
        _forget(engine, LoginAttempt.id == attempt)
        return throttled
    with engine.connect() as conn:
        stored = conn.execute(
            select(User.password_hash, User.active).where(User.name == name)
        ).one_or_none()
    if directory is not None and (stored is None or stored.password_hash is None):
        try:
            accepted = directory(name, password)
        except Exception:
            _forget(engine, LoginAttempt.id == attempt)
            raise
        if not accepted:
            return None  # the recorded attempt stays: a failure
    elif not verify_password(password, stored.password_hash if stored and stored.active else None):
        return None  # the recorded attempt stays: a failure
    _forget(engine, LoginAttempt.user_name == name)  # a success clears the account's count
    with engine.begin() as conn:
        conn.execute(update(User).where(User.name == name).values(last_login_at=now))
    return principal_of(engine, name)


def _record(engine: Engine, name: str, address: str | None, now: dt.datetime) -> int:
    with transaction(engine) as session:
        # Old attempts count for nothing any more; clearing them here keeps the table small.
        session.execute(delete(LoginAttempt).where(LoginAttempt.at < now - 2 * LOGIN_WINDOW))
        row = LoginAttempt(user_name=name, address=address, at=now)
        session.add(row)
        session.flush()
        return row.id


def _forget(engine: Engine, condition: ColumnElement[bool]) -> None:
    with transaction(engine) as session:
        session.execute(delete(LoginAttempt).where(condition))


def _throttled(
    engine: Engine, name: str, address: str | None, attempt: int, now: dt.datetime
) -> Throttled | None:
    """The refusal for the attempt `attempt`, judged by the attempts recorded before it."""
    earlier = (LoginAttempt.id < attempt, LoginAttempt.at >= now - LOGIN_WINDOW)
    with engine.connect() as conn:
        failures, last = conn.execute(
            select(func.count(), func.max(LoginAttempt.at)).where(
                LoginAttempt.user_name == name, *earlier
            )
        ).one()
        oldest_counted = None
        if address is not None:
            oldest_counted = conn.scalar(
                select(LoginAttempt.at)
                .where(LoginAttempt.address == address, *earlier)
                .order_by(LoginAttempt.at.desc())
                .offset(ADDRESS_LIMIT - 1)
                .limit(1)
            )
    refusals = []
    if failures >= ACCOUNT_FREE_TRIES:
        wait = min(ACCOUNT_MAX_WAIT, ACCOUNT_FIRST_WAIT * 2 ** (failures - ACCOUNT_FREE_TRIES))
        refusals.append((last + wait - now, True))
    if oldest_counted is not None:
        refusals.append((oldest_counted + LOGIN_WINDOW - now, False))
    remaining, per_account = max(refusals, default=(dt.timedelta(0), True))
    if remaining <= dt.timedelta(0):
        return None
    return Throttled(math.ceil(remaining.total_seconds()), per_account)
