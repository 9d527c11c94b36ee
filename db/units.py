"""The organisational units: their tree (built here once) and the check of unit codes."""

from __future__ import annotations

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from db.models import Organisationseinheit
from zielcockpit.domain.access import (
    AuthError,
)
from zielcockpit.domain.vocabulary import ROLES


def unit_parents(conn: Connection | Session) -> dict[str, str | None]:
    """Unit code -> code of its parent unit (None at the top): the one place the tree is read."""
    rows = conn.execute(
        select(Organisationseinheit.id, Organisationseinheit.code, Organisationseinheit.parent_id)
    ).all()
    code_of = {r.id: r.code for r in rows}
    return {r.code: code_of.get(r.parent_id) for r in rows}


def check_role(role: str) -> None:
    if role not in ROLES:
        raise AuthError(f"Rolle „{role}“ gibt es nicht. Erlaubt: {', '.join(ROLES)}.")


def check_units(session: Session, codes: list[str], role: str) -> list[Organisationseinheit]:
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
