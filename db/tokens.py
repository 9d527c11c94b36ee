"""API tokens of machine clients: creating one, and the permissions behind a presented token."""

from __future__ import annotations

from sqlalchemy import Engine, select

from db.audit_trail import audit
from db.engine import transaction
from db.models import ApiToken
from db.units import check_role, check_units, unit_parents
from zielcockpit.domain.access import (
    AuthError,
    Principal,
    new_token,
    token_digest,
    units_with_children,
)


def create_token(engine: Engine, name: str, role: str, units: list[str], *, actor: str) -> str:
    check_role(role)
    token = new_token()
    with transaction(engine) as session:
        if session.scalar(select(ApiToken.id).where(ApiToken.name == name)) is not None:
            raise AuthError(f"Ein Token „{name}“ gibt es schon.")
        check_units(session, units, role)
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
            f"token:{row.name}", row.role, units_with_children(units, unit_parents(session))
        )
