"""Use case: logging in (local account or the city's directory) and keeping a directory
account's session only as long as the directory allows it.

Local accounts (with their own password) are checked here as always; a name without a local
password goes to the directory when ZIELCOCKPIT_LDAP_URL is set. Both go through the same
limits on failed attempts (db/logins.py) and the same sessions (generation in the cookie).

A running session of a directory account is checked again with the directory when its last
confirmation is older than ZIELCOCKPIT_LDAP_RECHECK_MINUTES (default 5; 0: on every request):
locked, deleted or out of every mapped group ends every session of it; a directory that does not
answer refuses the request (fail closed) without ending the session, so it works again when the
directory is back.
"""

from __future__ import annotations

import datetime as dt
import logging

from sqlalchemy import Engine

from db.logins import Throttled, attempt_login
from db.models import utcnow
from db.users import directory_checked, directory_refused, directory_state, sync_directory_user
from zielcockpit.domain.access import Principal
from zielcockpit.services.directory import (
    DirectoryAccount,
    DirectoryUnavailable,
    authenticate,
    directory_config,
    lookup,
)
from zielcockpit.settings import Settings

log = logging.getLogger(__name__)


def login(
    engine: Engine, settings: Settings, name: str, password: str, address: str | None
) -> Principal | Throttled | None:
    """Principal, a refusal over the limits, or None (wrong name or password, locked account).
    DirectoryUnavailable / NoMappedGroup (German) when the directory is down or maps no group."""
    config = directory_config(settings)
    if config is None:
        return attempt_login(engine, name, password, address)

    def by_directory(given: str, secret: str) -> bool:
        account = authenticate(config, given, secret)
        if account is None:
            return False
        _sync(engine, account)
        return True

    return attempt_login(engine, name, password, address, directory=by_directory)


def _sync(engine: Engine, account: DirectoryAccount) -> None:
    sync_directory_user(
        engine,
        account.name,
        account.dn,
        account.display_name,
        account.role,
        list(account.units),
        utcnow(),
    )


def session_allowed(engine: Engine, settings: Settings, name: str) -> bool:
    """Whether a running session of this user may go on (local accounts: always)."""
    state = directory_state(engine, name)
    if state is None:
        return True
    config = directory_config(settings)
    if config is None:
        return False  # a directory account while no directory is configured
    now = utcnow()
    fresh = dt.timedelta(minutes=config.recheck_minutes)
    if state.checked_at is not None and config.recheck_minutes and now - state.checked_at < fresh:
        return True
    try:
        account = lookup(config, name, state.dn)
    except DirectoryUnavailable as exc:
        log.warning("Verzeichnis nicht erreichbar bei der Nachprüfung von %s: %s", name, exc.detail)
        return False
    if account is None:
        directory_refused(engine, name, "im Verzeichnis gesperrt, gelöscht oder ohne Gruppe")
        return False
    _sync(engine, account)
    directory_checked(engine, name, now)
    return True
