"""Reminder rules: when a missing value is reminded of, and what makes two reminders the same.

A missing value of an open quarter is reminded of
- „vor Frist“ once, from `days_before` days before its delivery deadline up to the deadline;
- „überfällig“ after the deadline, once in each `every`-day slot (the 1st on the first late day,
  the 2nd `every` days later …), at most `max_overdue` times.
Values the plan does not expect yet, and deadlines further away, are not reminded of.

A reminder's state is the set of its elements (an indicator; for „überfällig“ the indicator and
its slot). A reminder is due when the current state has an element no earlier reminder of the
same kind and recipients covered: the same state never twice, a shrinking list never again, a
new slot or a newly due indicator at once. Pure: no I/O.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

BEFORE = "vor_frist"
OVERDUE = "ueberfaellig"
DIGEST = "uebersicht"
KIND_WORDS = {BEFORE: "vor dem Liefertermin", OVERDUE: "überfällig", DIGEST: "Übersicht"}

# States of a recorded reminder.
PENDING = "wartet"  # recorded, not yet handed to the mail server (or it refused: retried)
SENT = "gesendet"
NO_RECIPIENT = "ohne_empfaenger"  # the unit has no contacts: listed, sent once contacts exist
SUPERSEDED = "ersetzt"  # a newer reminder of the same kind and recipients replaced it
DROPPED = "entfallen"  # the quarter was released before it went out
STATE_WORDS = {
    PENDING: "nicht gesendet, wird erneut versucht",
    SENT: "gesendet",
    NO_RECIPIENT: "nicht gesendet: keine Kontakte hinterlegt",
    SUPERSEDED: "ersetzt durch eine neuere Erinnerung",
    DROPPED: "entfallen (Quartal freigegeben)",
}
OPEN_STATES = (PENDING, NO_RECIPIENT)  # still to be sent
COVERING_STATES = (PENDING, SENT, NO_RECIPIENT)  # their elements count as reminded


@dataclass(frozen=True)
class Rhythm:
    days_before: int = 7
    every: int = 7
    max_overdue: int = 3


def reminder_element(due: dt.date, today: dt.date, rhythm: Rhythm) -> tuple[str, int] | None:
    """(kind, slot) of a missing value with this deadline today; None: nothing to remind of."""
    late = (today - due).days
    if late <= 0:
        return (BEFORE, 0) if -late <= rhythm.days_before else None
    slot = 1 + (late - 1) // max(rhythm.every, 1)
    return (OVERDUE, slot) if slot <= rhythm.max_overdue else None


def element_key(indicator: str, slot: int) -> str:
    return f"{indicator}#{slot}" if slot else indicator


def state_key(elements: Iterable[str]) -> str:
    """The digest of a reminder's state (its sorted elements)."""
    return hashlib.sha256("\n".join(sorted(set(elements))).encode("utf-8")).hexdigest()


def is_new(elements: Iterable[str], covered: Iterable[str]) -> bool:
    """Whether the state has anything no earlier reminder covered."""
    return bool(set(elements) - set(covered))


# -- e-mail addresses ------------------------------------------------------------------------------

# Deliberately plain: one @, no spaces, a dot in the domain. What a mail server would refuse
# later is refused when the contact is entered.
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")


def email_problem(text: str) -> str | None:
    """Why this is no e-mail address (German), or None."""
    value = text.strip()
    if not value:
        return "Die E-Mail-Adresse fehlt."
    if len(value) > 254:
        return f"Die E-Mail-Adresse „{value[:40]}…“ ist länger als 254 Zeichen."
    if not _EMAIL.match(value) or ".." in value or value.split("@")[0].startswith("."):
        return (
            f"„{value}“ ist keine gültige E-Mail-Adresse (erwartet z. B. "
            "vorname.name@bielefeld.de)."
        )
    return None
