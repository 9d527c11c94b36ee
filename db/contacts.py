"""Delivery contacts per unit (and optionally per measure): named reads and audited writes."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from db.audit_trail import audit
from db.engine import transaction
from db.models import Kontakt, Massnahme, Organisationseinheit
from zielcockpit.domain.reminders import email_problem


class ContactError(ValueError):
    """A contact that cannot be stored or removed; the message is German."""


@dataclass(frozen=True)
class ContactRow:
    id: int
    oe: str
    measure: str  # "" = the whole unit
    name: str
    email: str

    @property
    def address(self) -> str:
        """„"Name" <adresse>“ for a mail header (quoted, not yet encoded: the mail encodes it)."""
        from email.headerregistry import Address

        return str(Address(display_name=self.name, addr_spec=self.email))

    @property
    def scope(self) -> str:
        return f"OE {self.oe}" + (f", Maßnahme {self.measure}" if self.measure else "")


def list_contacts(engine: Engine, oe: str | None = None) -> list[ContactRow]:
    stmt = select(Kontakt).order_by(Kontakt.oe, Kontakt.massnahme, Kontakt.name, Kontakt.email)
    if oe:
        stmt = stmt.where(Kontakt.oe == oe)
    with transaction(engine) as session:
        return [_row(k) for k in session.scalars(stmt)]


def _row(k: Kontakt) -> ContactRow:
    return ContactRow(k.id, k.oe, k.massnahme, k.name, k.email)


def check_contact(session: Session, oe: str, measure: str, name: str, email: str) -> list[str]:
    """Every problem of a contact (German), empty when it may be stored."""
    problems = []
    if (
        session.scalar(select(Organisationseinheit.id).where(Organisationseinheit.code == oe))
        is None
    ):
        known = ", ".join(
            session.scalars(select(Organisationseinheit.code).order_by(Organisationseinheit.code))
        )
        problems.append(f"Organisationseinheit „{oe}“ gibt es nicht. Vorhanden: {known}.")
    elif measure:
        owners = set(
            session.scalars(
                select(Organisationseinheit.code)
                .join(Massnahme, Massnahme.oe_id == Organisationseinheit.id)
                .where(Massnahme.code == measure)
            )
        )
        if not owners:
            problems.append(f"Maßnahme „{measure}“ gibt es in keinem Plan.")
        elif oe not in owners:
            problems.append(
                f"Maßnahme „{measure}“ gehört nicht zur OE {oe}, sondern zu {', '.join(sorted(owners))}."
            )
    if len(name.strip()) > 200:
        problems.append("Der Name ist länger als 200 Zeichen.")
    problem = email_problem(email)
    if problem:
        problems.append(problem)
    return problems


def add_contact(
    engine: Engine,
    oe: str,
    name: str,
    email: str,
    *,
    actor: str,
    measure: str = "",
    source: str | None = None,
) -> ContactRow:
    """Store a contact (audited as `kontakt_angelegt`); ContactError with every problem."""
    oe, measure, name, email = oe.strip(), measure.strip(), name.strip(), email.strip()
    with transaction(engine) as session:
        problems = check_contact(session, oe, measure, name, email)
        if problems:
            raise ContactError(" ".join(problems))
        if _find(session, {"oe": oe, "massnahme": measure, "email": email}) is not None:
            raise ContactError(f"{email} ist für OE {oe}{_of(measure)} schon eingetragen.")
        row = Kontakt(oe=oe, massnahme=measure, name=name, email=email, created_by=actor[:80])
        session.add(row)
        session.flush()
        audit(
            session,
            actor[:80],
            "kontakt_angelegt",
            "kontakt",
            f"{oe}{_of(measure)} {email}",
            None,
            {"name": name, "email": email, "oe": oe, "massnahme": measure},
            source=source,
        )
        return _row(row)


def remove_contact(
    engine: Engine, oe: str, email: str, *, actor: str, measure: str = "", source: str | None = None
) -> ContactRow:
    """Remove a contact (audited as `kontakt_entfernt`)."""
    with transaction(engine) as session:
        row = _find(
            session, {"oe": oe.strip(), "massnahme": measure.strip(), "email": email.strip()}
        )
        if row is None:
            raise ContactError(
                f"Kontakt {email.strip()} für OE {oe.strip()}{_of(measure.strip())} gibt es nicht."
            )
        gone = _row(row)
        session.delete(row)
        audit(
            session,
            actor[:80],
            "kontakt_entfernt",
            "kontakt",
            f"{gone.oe}{_of(gone.measure)} {gone.email}",
            {"name": gone.name, "email": gone.email, "oe": gone.oe, "massnahme": gone.measure},
            None,
            source=source,
        )
        return gone


def _of(measure: str) -> str:
    return f", Maßnahme {measure}" if measure else ""


@dataclass(frozen=True)
class UnitContacts:
    """A unit and its contacts (none: listed as such, reminders cannot reach it)."""

    oe: str
    name: str
    contacts: tuple[ContactRow, ...]


def contacts_by_unit(engine: Engine) -> list[UnitContacts]:
    """Every unit with its contacts (the unit's own and its measures'), units in code order."""
    rows = list_contacts(engine)
    with engine.connect() as conn:
        units = conn.execute(
            select(Organisationseinheit.code, Organisationseinheit.name).order_by(
                Organisationseinheit.code
            )
        ).all()
    return [UnitContacts(u.code, u.name, tuple(r for r in rows if r.oe == u.code)) for u in units]


def _find(session: Session, c: dict[str, str]) -> Kontakt | None:
    return session.scalars(
        select(Kontakt).where(
            Kontakt.oe == c["oe"], Kontakt.massnahme == c["massnahme"], Kontakt.email == c["email"]
        )
    ).one_or_none()


def write_contacts(
    session: Session,
    added: list[dict[str, str]],
    removed: list[dict[str, str]],
    renamed: list[dict[str, str]],
    *,
    actor: str,
    source: str | None = None,
) -> None:
    """The contact changes of a catalogue workbook inside the caller's transaction (the
    catalogue's own changes are written in the same one), each audited; the caller checked the
    rows: addresses, units and measures."""
    for c in removed:
        row = _find(session, c)
        if row is not None:
            session.delete(row)
            audit(
                session, actor[:80], "kontakt_entfernt", "kontakt",
                f"{c['oe']}{_of(c['massnahme'])} {c['email']}", dict(c), None, source=source,
            )  # fmt: skip
    for c in renamed:
        row = _find(session, c)
        assert row is not None  # listed as stored a moment ago
        old = row.name
        row.name = c["name"]
        audit(
            session, actor[:80], "kontakt_geaendert", "kontakt",
            f"{c['oe']}{_of(c['massnahme'])} {c['email']}", {"name": old}, {"name": c["name"]},
            source=source,
        )  # fmt: skip
    session.flush()
    for c in added:
        session.add(
            Kontakt(
                oe=c["oe"], massnahme=c["massnahme"], name=c["name"], email=c["email"],
                created_by=actor[:80],
            )
        )  # fmt: skip
        audit(
            session, actor[:80], "kontakt_angelegt", "kontakt",
            f"{c['oe']}{_of(c['massnahme'])} {c['email']}", None, dict(c), source=source,
        )  # fmt: skip
