"""The city's directory (LDAP / Active Directory) for logins: bind with the user's own password,
read the user's groups, map them to a role and units (ZIELCOCKPIT_LDAP_GROUPS).

Two ways to find the user: a bind-name template (`uid={name},ou=people,dc=stadt,dc=de`, or AD's
`{name}@stadt.de`), or a search account that looks the name up under the search base
(`uid` / `sAMAccountName`) and the user then binds with the DN found. Groups come from the
entry's `memberOf` (AD; OpenLDAP with the memberof overlay) and from groups under the search base
that list the user (`member`, `uniqueMember`, `memberUid`).

A locked or disabled account: OpenLDAP's ppolicy refuses its bind (`pwdAccountLockedTime`); AD
refuses the bind of a disabled account too, and `userAccountControl` bit 2 (ACCOUNTDISABLE) or a
`pwdAccountLockedTime` on the entry is also treated as locked when a running session is checked
again. Every network step waits at most ZIELCOCKPIT_LDAP_TIMEOUT seconds; a directory that does
not answer is DirectoryUnavailable (German), never a hang.
"""

from __future__ import annotations

import contextlib
import json
import re
import ssl
import warnings
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from zielcockpit.domain.german import NumberError, read_number
from zielcockpit.domain.vocabulary import ROLES
from zielcockpit.settings import SettingError, Settings

with warnings.catch_warnings():
    # ldap3 2.9 reads pyasn1's old names (tagMap, typeMap), deprecated since pyasn1 0.6.
    warnings.simplefilter("ignore", DeprecationWarning)
    from ldap3 import BASE, NONE, SUBTREE, Connection, Server, Tls
    from ldap3.core.exceptions import LDAPException
    from ldap3.utils.conv import escape_filter_chars
    from ldap3.utils.dn import escape_rdn, parse_dn

# User names the directory is asked about: letters, digits and . _ - @ (AD's and OpenLDAP's
# account names); anything else is refused before the directory sees it.
NAME = re.compile(r"^[A-Za-z0-9._@-]{1,80}$")
LOCKED_ATTRIBUTES = ("pwdAccountLockedTime", "userAccountControl")
AD_ACCOUNTDISABLE = 0x2
# A directory account's role is the highest of its groups'.
ROLE_RANK = {"leitung": 1, "fachbereich": 2, "controlling": 3, "admin": 4}
assert set(ROLE_RANK) == set(ROLES)

UNAVAILABLE = (
    "Das Verzeichnis (Anmeldedienst der Stadt) antwortet gerade nicht; Anmelden mit dem "
    "Verzeichniskonto ist im Moment nicht möglich. Lokale Konten melden sich weiter an. "
    "Bitte später erneut versuchen oder der IT Bescheid geben."
)


class DirectoryUnavailable(Exception):
    """The directory did not answer in time or refused the connection; German message."""

    def __init__(self, detail: str) -> None:
        super().__init__(UNAVAILABLE)
        self.detail = detail


class NoMappedGroup(Exception):
    """The password is right but no group of the account is mapped to a role; German."""


@dataclass(frozen=True)
class GroupRule:
    role: str
    units: tuple[str, ...] = ()


@dataclass(frozen=True)
class DirectoryConfig:
    url: str
    host: str
    port: int
    use_ssl: bool
    starttls: bool
    user_dn: str
    search_base: str
    search_dn: str
    search_password: str
    user_attribute: str
    groups: dict[str, GroupRule]  # key lower-cased: a group's cn or DN
    timeout: int  # seconds (ldap3 sets socket options with whole seconds)
    recheck_minutes: int
    ca_file: str


@dataclass(frozen=True)
class DirectoryAccount:
    name: str
    dn: str
    display_name: str | None
    role: str
    units: tuple[str, ...]
    groups: tuple[str, ...]


def directory_config(settings: Settings) -> DirectoryConfig | None:
    """The directory settings, checked (German SettingError); None without ZIELCOCKPIT_LDAP_URL."""
    url = settings.value("ZIELCOCKPIT_LDAP_URL").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("ldap", "ldaps") or not parts.hostname:
        raise SettingError(
            f"ZIELCOCKPIT_LDAP_URL „{url}“: erwartet ldaps://host:636 oder ldap://host:389."
        )
    starttls = settings.value("ZIELCOCKPIT_LDAP_STARTTLS").strip() == "1"
    if starttls and parts.scheme == "ldaps":
        raise SettingError("ZIELCOCKPIT_LDAP_STARTTLS=1 gilt nur für ldap://, nicht für ldaps://.")
    user_dn = settings.value("ZIELCOCKPIT_LDAP_USER_DN").strip()
    base = settings.value("ZIELCOCKPIT_LDAP_SEARCH_BASE").strip()
    if user_dn and "{name}" not in user_dn:
        raise SettingError(f"ZIELCOCKPIT_LDAP_USER_DN „{user_dn}“ enthält kein {{name}}.")
    if not base:
        raise SettingError("ZIELCOCKPIT_LDAP_SEARCH_BASE fehlt (z. B. dc=stadt,dc=de).")
    try:
        timeout = float(read_number(settings.value("ZIELCOCKPIT_LDAP_TIMEOUT")))
    except NumberError:
        timeout = -1
    if not 0 < timeout <= 60:
        raise SettingError("ZIELCOCKPIT_LDAP_TIMEOUT: erwartet Sekunden zwischen 0 und 60.")
    return DirectoryConfig(
        url=url,
        host=parts.hostname,
        port=parts.port or (636 if parts.scheme == "ldaps" else 389),
        use_ssl=parts.scheme == "ldaps",
        starttls=starttls,
        user_dn=user_dn,
        search_base=base,
        search_dn=settings.value("ZIELCOCKPIT_LDAP_SEARCH_DN").strip(),
        search_password=settings.value("ZIELCOCKPIT_LDAP_SEARCH_PASSWORD"),
        user_attribute=settings.value("ZIELCOCKPIT_LDAP_USER_ATTRIBUTE").strip() or "uid",
        groups=group_rules(settings.value("ZIELCOCKPIT_LDAP_GROUPS")),
        timeout=max(1, round(timeout)),
        recheck_minutes=settings.number("ZIELCOCKPIT_LDAP_RECHECK_MINUTES"),
        ca_file=settings.value("ZIELCOCKPIT_TLS_CA_FILE").strip(),
    )


def group_rules(text: str) -> dict[str, GroupRule]:
    """ZIELCOCKPIT_LDAP_GROUPS: {"gruppe": {"rolle": "fachbereich", "oe": ["510"]}, …}."""
    name = "ZIELCOCKPIT_LDAP_GROUPS"
    try:
        data = json.loads(text or "{}")
    except json.JSONDecodeError as exc:
        raise SettingError(f"{name} ist kein JSON ({exc.msg}, Zeichen {exc.pos + 1}).") from None
    if not isinstance(data, dict):
        raise SettingError(f"{name}: erwartet ein JSON-Objekt „Gruppe → Rolle und OE“.")
    rules = {}
    for group, rule in data.items():
        if not isinstance(rule, dict) or rule.get("rolle") not in ROLES:
            raise SettingError(
                f"{name}, Gruppe „{group}“: „rolle“ muss eine von {', '.join(ROLES)} sein."
            )
        units = rule.get("oe", [])
        if not isinstance(units, list) or not all(isinstance(u, str) for u in units):
            raise SettingError(f"{name}, Gruppe „{group}“: „oe“ muss eine Liste von OE sein.")
        if rule["rolle"] == "fachbereich" and not units:
            raise SettingError(
                f'{name}, Gruppe „{group}“: die Rolle „fachbereich“ braucht „oe“, z. B. ["510"].'
            )
        rules[str(group).lower()] = GroupRule(rule["rolle"], tuple(units))
    return rules


# -- talking to the directory ---------------------------------------------------------------------


def _server(config: DirectoryConfig) -> Server:
    tls = Tls(
        validate=ssl.CERT_REQUIRED,
        ca_certs_file=config.ca_file or None,
        version=ssl.PROTOCOL_TLS_CLIENT,
    )
    return Server(
        config.host,
        port=config.port,
        use_ssl=config.use_ssl,
        tls=tls,
        get_info=NONE,
        connect_timeout=config.timeout,
    )


def _connect(config: DirectoryConfig, user: str | None, password: str | None) -> Connection | None:
    """A bound connection; None: the directory refused these credentials."""
    conn = Connection(
        _server(config),
        user=user,
        password=password,
        receive_timeout=config.timeout,
        raise_exceptions=False,
        read_only=True,
    )
    try:
        conn.open()
        if config.starttls and not conn.start_tls():
            raise DirectoryUnavailable(f"StartTLS abgelehnt: {conn.result}")
        if conn.bind():
            return conn
    except (LDAPException, OSError) as exc:
        _close(conn)
        raise DirectoryUnavailable(f"{exc.__class__.__name__}: {exc}") from exc
    result = conn.result or {}
    _close(conn)
    if result.get("result") == 49:  # invalidCredentials (also: locked by ppolicy, AD disabled)
        return None
    raise DirectoryUnavailable(
        f"Bind abgelehnt: {result.get('description')} {result.get('message')}"
    )


def _close(conn: Connection) -> None:
    """Unbind, and close the socket even when the directory no longer answers."""
    try:
        with contextlib.suppress(LDAPException, OSError):
            conn.unbind()
    finally:
        sock = getattr(conn, "socket", None)
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()


def _search_connection(config: DirectoryConfig) -> Connection:
    conn = _connect(config, config.search_dn or None, config.search_password or None)
    if conn is None:
        raise DirectoryUnavailable("Das Suchkonto (ZIELCOCKPIT_LDAP_SEARCH_DN) wird abgelehnt.")
    return conn


def _search(
    conn: Connection, base: str, scope: str, query: str, attributes: list[str]
) -> list[Any]:
    try:
        ok = conn.search(base, query, search_scope=scope, attributes=attributes)
    except LDAPException as exc:
        raise DirectoryUnavailable(f"{exc.__class__.__name__}: {exc}") from exc
    if not ok and (conn.result or {}).get("result") not in (0, 32):  # 32: noSuchObject
        raise DirectoryUnavailable(f"Suche abgelehnt: {conn.result}")
    return list(conn.entries)


def _user_query(config: DirectoryConfig, name: str) -> str:
    return f"({config.user_attribute}={escape_filter_chars(name)})"


ENTRY_ATTRIBUTES = ["cn", "displayName", "memberOf", *LOCKED_ATTRIBUTES]


def authenticate(config: DirectoryConfig, name: str, password: str) -> DirectoryAccount | None:
    """The account if the directory accepts this name and password (and a group maps it);
    None for a wrong name or password or a locked account; NoMappedGroup; DirectoryUnavailable."""
    if not NAME.match(name) or not password:
        return None  # an empty password would be an anonymous bind, which „succeeds“
    if config.user_dn:
        dn = config.user_dn.replace("{name}", escape_rdn(name) if "=" in config.user_dn else name)
    else:
        finder = _search_connection(config)
        try:
            found = _search(finder, config.search_base, SUBTREE, _user_query(config, name), ["cn"])
        finally:
            _close(finder)
        if len(found) != 1:
            return None  # unknown (or ambiguous): the same answer as a wrong password
        dn = found[0].entry_dn
    conn = _connect(config, dn, password)
    if conn is None:
        return None
    try:
        if "=" in dn:
            entries = _search(conn, dn, BASE, "(objectClass=*)", ENTRY_ATTRIBUTES)
        else:  # AD's user@domain bind: find the entry by its account name
            entries = _search(
                conn, config.search_base, SUBTREE, _user_query(config, name), ENTRY_ATTRIBUTES
            )
        if len(entries) != 1 or _locked(entries[0]):
            return None
        return _account(config, conn, name, entries[0])
    finally:
        _close(conn)


def lookup(config: DirectoryConfig, name: str, dn: str) -> DirectoryAccount | None:
    """The account as the directory has it now (for a running session), by the search account;
    None: gone, locked or no longer in a mapped group."""
    conn = _search_connection(config)
    try:
        entries = _search(conn, dn, BASE, "(objectClass=*)", ENTRY_ATTRIBUTES)
        if len(entries) != 1 or _locked(entries[0]):
            return None
        try:
            return _account(config, conn, name, entries[0])
        except NoMappedGroup:
            return None
    finally:
        _close(conn)


def _values(entry: Any, attribute: str) -> list[str]:
    try:
        return [str(v) for v in entry[attribute].values]
    except (KeyError, IndexError, AttributeError):
        return []
    except Exception:  # noqa: BLE001 - ldap3 raises its own error for an absent attribute
        return []


def _locked(entry: Any) -> bool:
    if _values(entry, "pwdAccountLockedTime"):
        return True
    flags = _values(entry, "userAccountControl")
    return bool(flags and flags[0].isdigit() and int(flags[0]) & AD_ACCOUNTDISABLE)


def _cn(dn: str) -> str:
    try:
        first = parse_dn(dn)[0]
    except Exception:  # noqa: BLE001 - not a DN: the value itself
        return dn
    return str(first[1])


def _account(config: DirectoryConfig, conn: Connection, name: str, entry: Any) -> DirectoryAccount:
    dn = entry.entry_dn
    groups = set(_values(entry, "memberOf"))
    query = (
        f"(|(member={escape_filter_chars(dn)})(uniqueMember={escape_filter_chars(dn)})"
        f"(memberUid={escape_filter_chars(name)}))"
    )
    groups |= {g.entry_dn for g in _search(conn, config.search_base, SUBTREE, query, ["cn"])}
    rules = [
        config.groups[key]
        for g in sorted(groups)
        for key in {g.lower(), _cn(g).lower()}
        if key in config.groups
    ]
    if not rules:
        raise NoMappedGroup(
            "Ihr Verzeichniskonto ist keiner Gruppe des Zielcockpits zugeordnet; bitte die "
            "Administration um Freischaltung bitten."
        )
    role = max((r.role for r in rules), key=ROLE_RANK.__getitem__)
    units = sorted({u for r in rules for u in r.units})
    names = _values(entry, "displayName") or _values(entry, "cn")
    display = names[0] if names else None
    return DirectoryAccount(name, dn, display, role, tuple(units), tuple(sorted(groups)))
