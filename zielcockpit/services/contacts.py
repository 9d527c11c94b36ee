"""Use case: delivery contacts, for `zielcockpit contacts`, the page /kontakte and the catalogue
workbook alike (the same checks); only controlling and the administration maintain them."""

from __future__ import annotations

from sqlalchemy import Engine

from db.contacts import ContactError, ContactRow, add_contact, list_contacts, remove_contact
from zielcockpit.domain.access import Principal

BROWSER = "Kontakte"  # the audit trail's source of changes made on /kontakte


def may_maintain(principal: Principal | None) -> str | None:
    """Why this principal may not see or change contacts (None: may)."""
    if principal is None:
        return "Bitte zuerst anmelden."
    if principal.sees_completeness:
        return None
    return "Keine Berechtigung: Kontakte pflegen nur das Controlling und die Administration."


def _actor(principal: Principal | None) -> str:
    refusal = may_maintain(principal)
    if refusal is not None or principal is None:
        raise ContactError(refusal or "Bitte zuerst anmelden.")
    return principal.name


def contacts(
    engine: Engine, principal: Principal | None, oe: str | None = None
) -> list[ContactRow]:
    _actor(principal)
    return list_contacts(engine, oe)


def add(
    engine: Engine,
    principal: Principal | None,
    oe: str,
    name: str,
    email: str,
    measure: str = "",
    *,
    source: str = BROWSER,
) -> ContactRow:
    return add_contact(
        engine, oe, name, email, actor=_actor(principal), measure=measure, source=source
    )


def remove(
    engine: Engine,
    principal: Principal | None,
    oe: str,
    email: str,
    measure: str = "",
    *,
    source: str = BROWSER,
) -> ContactRow:
    return remove_contact(
        engine, oe, email, actor=_actor(principal), measure=measure, source=source
    )
