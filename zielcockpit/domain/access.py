"""Who may do what: password hashing, API tokens and the role/unit rules (pure, no I/O).

Roles (issue "access control"): `leitung` reads everything; `fachbereich` reads everything and
writes values, comments and overrides for the measures of its own units (and their sub-units);
`controlling` imports, edits the catalogue, reads and writes everything; `admin` manages users
and settings (and may do what controlling does).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# scrypt as recommended by OWASP (N=2^15, r=8, p=1; about 32 MiB per hash).
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**15, 8, 1
MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "zc_"


class AuthError(ValueError):
    """A refusal or invalid input, explained in German."""


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AuthError(f"Das Passwort muss mindestens {MIN_PASSWORD_LENGTH} Zeichen lang sein.")
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode("utf-8"),
        salt=salt,
        n=SCRYPT_N,
        r=SCRYPT_R,
        p=SCRYPT_P,
        maxmem=64 * 1024 * 1024,
        dklen=32,
    )
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: str, stored: str | None) -> bool:
    """Constant-time check; an unknown or malformed hash never matches."""
    if not stored:
        # Spend the same time as a real check, so timing does not tell which part was wrong.
        hashlib.scrypt(
            b"x",
            salt=b"0" * 16,
            n=SCRYPT_N,
            r=SCRYPT_R,
            p=SCRYPT_P,
            maxmem=64 * 1024 * 1024,
            dklen=32,
        )
        return False
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode("utf-8"),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            maxmem=64 * 1024 * 1024,
            dklen=len(expected),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """Tokens are stored only as their SHA-256: a leaked database leaks no usable token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Principal:
    """The logged-in user (or API token) as far as permissions are concerned."""

    name: str
    role: str
    units: frozenset[str] = frozenset()  # OE codes the principal is bound to

    @property
    def can_import(self) -> bool:
        return self.role in ("controlling", "admin")

    @property
    def can_edit_catalogue(self) -> bool:
        return self.role in ("controlling", "admin")

    @property
    def can_manage_users(self) -> bool:
        return self.role == "admin"

    @property
    def sees_completeness(self) -> bool:
        return self.role in ("controlling", "admin")

    @property
    def can_release(self) -> bool:
        """Release a quarter and reopen it (the quarterly cycle is controlling's)."""
        return self.role in ("controlling", "admin")

    @property
    def can_download_report(self) -> bool:
        """The committee report (PDF) goes to the Leitung and is made by controlling."""
        return self.role in ("leitung", "controlling", "admin")


def units_with_children(units: Iterable[str], parents: Mapping[str, str | None]) -> frozenset[str]:
    """A unit's rights cover its sub-units (500 covers 500.43)."""
    bound = set(units)
    changed = True
    while changed:
        changed = False
        for code, parent in parents.items():
            if parent in bound and code not in bound:
                bound.add(code)
                changed = True
    return frozenset(bound)


def can_write(principal: Principal | None, measure_unit: str) -> bool:
    """May this principal write values, comments and overrides of a measure of this unit?"""
    if principal is None:
        return False
    if principal.role in ("controlling", "admin"):
        return True
    return principal.role == "fachbereich" and measure_unit in principal.units


def require_write(principal: Principal | None, measure_code: str, measure_unit: str) -> None:
    if principal is None:
        raise AuthError("Bitte zuerst anmelden.")
    if not can_write(principal, measure_unit):
        raise AuthError(
            f"Keine Berechtigung: Maßnahme {measure_code} gehört zur Organisationseinheit "
            f"{measure_unit}; Ihre Rolle „{principal.role}“ darf dort nichts ändern."
        )
