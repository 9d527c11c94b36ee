"""Password hashes, tokens and the role/unit rules (pure)."""

from __future__ import annotations

import pytest

from zielcockpit.domain.access import (
    AuthError,
    Principal,
    can_write,
    hash_password,
    require_write,
    token_digest,
    units_with_children,
    verify_password,
)


def test_aut001_password_hash_is_salted_scrypt_and_verifies() -> None:
    first, second = (
        hash_password("richtig-langes-passwort"),
        hash_password("richtig-langes-passwort"),
    )
    assert first.startswith("scrypt$") and first != second  # salted
    assert verify_password("richtig-langes-passwort", first)
    assert not verify_password("richtig-langes-passworT", first)
    assert not verify_password("x", None)
    assert not verify_password("x", "kaputt$1$2")


def test_aut002_short_passwords_are_refused_in_german() -> None:
    with pytest.raises(AuthError, match="mindestens 10 Zeichen"):
        hash_password("kurz")


def test_aut003_tokens_are_stored_as_digests() -> None:
    assert len(token_digest("zc_abc")) == 64 and token_digest("zc_abc") != "zc_abc"


def test_aut004_roles_and_units() -> None:
    tree = {"Dezernat 5": None, "500": "Dezernat 5", "500.43": "500", "510": "Dezernat 5"}
    fb = Principal("fb", "fachbereich", units_with_children(["500"], tree))
    assert fb.units == {"500", "500.43"}
    assert can_write(fb, "500") and can_write(fb, "500.43") and not can_write(fb, "510")
    assert not can_write(Principal("l", "leitung"), "500")
    assert can_write(Principal("c", "controlling"), "510")
    assert can_write(Principal("a", "admin"), "510")
    assert not can_write(None, "500")
    with pytest.raises(AuthError, match="Maßnahme 510-1 gehört zur Organisationseinheit 510"):
        require_write(fb, "510-1", "510")
    assert Principal("c", "controlling").can_import and not fb.can_import
    assert (
        Principal("a", "admin").can_manage_users
        and not Principal("c", "controlling").can_manage_users
    )
