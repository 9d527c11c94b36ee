"""Use case: controlling edits the structured fields of an indicator in the browser.

Target, target per place with its places, due date, start, quarterly profile, stock/flow and
steering; checked by the catalogue's one validator (`db.catalogue.check_catalogue`), written by
its writer (one transaction, audited, a released quarter keeps the rule it was judged by).
The form carries a fingerprint of what it showed; if the indicator changed since, nothing is
written and the user is told who changed it („inzwischen von … geändert“).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select

from db.catalogue import write_checked
from db.catalogue_export import session_catalogue_data
from db.engine import lock_values, transaction
from db.models import AuditEntry
from zielcockpit.domain.access import Principal
from zielcockpit.domain.catalogue_checks import CatalogueError, check_catalogue
from zielcockpit.domain.formatting import fmt_date, fmt_datetime, fmt_exact
from zielcockpit.domain.german import DateError, NumberError, plain_number, read_date, read_number

EDITABLE = (
    "target",
    "target_per_place",
    "orte",
    "due",
    "start",
    "profil",
    "aggregation",
    "steering",
)
LABELS = {
    "target": "Zielwert",
    "target_per_place": "Ziel je Ort",
    "orte": "Orte",
    "due": "Stichtag",
    "start": "erwartet ab",
    "profil": "Profil",
    "aggregation": "Zugänge/Bestand",
    "steering": "steuernd",
}
SOURCE = "Formular"


@dataclass(frozen=True)
class IndicatorEdit:
    """What the form sends for one indicator: texts as typed, choices as their codes."""

    code: str
    seen: str  # the fingerprint of the indicator the form showed
    target: str | None = None
    target_per_place: str | None = None
    places: str | None = None  # "Heepen; Sennestadt"
    due: str | None = None  # "31.12.2017" or "2017-12-31"
    start: str | None = None
    profile: dict[str, str | None] = field(default_factory=dict)  # "Q1" -> "2"
    aggregation: str | None = None
    steering: bool = True


@dataclass
class EditOutcome:
    saved: bool
    messages: list[str]
    kept_for_released: tuple[str, ...] = ()


def may_edit(principal: Principal | None) -> str | None:
    """Why this principal may not edit the catalogue (None: may)."""
    if principal is None:
        return "Bitte zuerst anmelden."
    if principal.can_edit_catalogue:
        return None
    return "Keine Berechtigung: den Katalog bearbeiten nur Controlling und Administration."


def fingerprint(indicator: dict[str, Any]) -> str:
    """A short digest of the editable fields as stored (the form's version of the indicator)."""
    fields = {k: indicator.get(k) for k in (*EDITABLE, "zu_pruefen")}
    text = json.dumps(fields, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def save_indicator(
    engine: Engine,
    principal: Principal | None,
    plan_key: str,
    measure_code: str,
    edit: IndicatorEdit,
) -> EditOutcome:
    """Check and write one indicator's structured fields; all or nothing."""
    refusal = may_edit(principal)
    if refusal is not None or principal is None:
        return EditOutcome(False, [refusal or "Bitte zuerst anmelden."])
    with transaction(engine) as session:
        lock_values(session)  # writers take turns: what is read next is what this one builds on
        data = session_catalogue_data(session, plan_key)
        measure = _measure(data, measure_code)
        indicator = next((i for i in measure["indikatoren"] if i["code"] == edit.code), None)
        if indicator is None:
            return EditOutcome(False, [f"Indikator {edit.code} gehört nicht zu {measure_code}."])
        if fingerprint(indicator) != edit.seen:
            return EditOutcome(False, [_changed_by(session, edit.code)])
        before = dict(indicator)
        _apply(indicator, edit)
        problems = check_catalogue(data, SOURCE, LABELS)
        if problems:
            return EditOutcome(False, problems)
        if all(before.get(k) == indicator.get(k) for k in EDITABLE) and not before["zu_pruefen"]:
            return EditOutcome(True, [f"{edit.code}: unverändert."])
        indicator["zu_pruefen"] = False  # saved in the form: confirmed
        source = f"{SOURCE} Maßnahme {measure_code}"
        result = write_checked(session, data, source, source.encode(), principal.name)
    messages = [f"{edit.code}: gespeichert (im Protokoll)."]
    if result.kept_for_released:
        messages.append(
            "Freigegebene Quartale behalten ihre Bewertung; die Änderung gilt ab dem nächsten "
            "offenen Quartal."
        )
    return EditOutcome(True, messages, result.kept_for_released)


def _measure(data: dict[str, Any], code: str) -> dict[str, Any]:
    for m in data["massnahmen"]:
        if m["code"] == code:
            return dict(m)
    raise CatalogueError([f"Maßnahme „{code}“ gibt es nicht im Plan {data['plan']['key']}."])


def _changed_by(session: Any, code: str) -> str:
    last = session.execute(
        select(AuditEntry.actor, AuditEntry.at)
        .where(AuditEntry.action == "katalog", AuditEntry.entity_key == code)
        .order_by(AuditEntry.id.desc())
        .limit(1)
    ).one_or_none()
    who = f" von {last.actor} am {fmt_datetime(last.at)}" if last else ""
    return (
        f"{code}: Der Indikator wurde inzwischen{who} geändert; Ihre Änderung wurde nicht "
        "gespeichert. Bitte die Seite neu laden und erneut bearbeiten."
    )


def _apply(indicator: dict[str, Any], edit: IndicatorEdit) -> None:
    indicator["target"] = _number(edit.target)
    indicator["target_per_place"] = _number(edit.target_per_place)
    indicator["orte"] = [p.strip() for p in (edit.places or "").split(";") if p.strip()]
    indicator["due"] = _day(edit.due)
    indicator["start"] = _day(edit.start)
    indicator["profil"] = {
        q: _number(v) for q, v in sorted(edit.profile.items()) if v not in (None, "")
    }
    indicator["aggregation"] = edit.aggregation if edit.aggregation else indicator["aggregation"]
    indicator["steering"] = bool(edit.steering)
    # Keep what the store holds when the form means the same (4 for 4,0; the same date).
    for key, value in indicator_data_like(indicator).items():
        indicator[key] = value


def indicator_data_like(indicator: dict[str, Any]) -> dict[str, Any]:
    """The edited fields in the stored form: whole numbers as int."""
    out: dict[str, Any] = {}
    for key in ("target", "target_per_place"):
        value = indicator.get(key)
        if isinstance(value, float) and value == int(value):
            out[key] = int(value)
    profile = indicator.get("profil") or {}
    out["profil"] = {
        q: int(v) if isinstance(v, float) and v == int(v) else v for q, v in profile.items()
    }
    return out


def _number(text: str | None) -> Any:
    if text is None or not str(text).strip():
        return None
    try:
        return plain_number(read_number(str(text)))
    except NumberError:
        return str(text).strip()  # the validator names it: „Zielwert“ muss eine Zahl sein


def _day(text: str | None) -> Any:
    if text is None or not str(text).strip():
        return None
    try:
        return read_date(text)
    except DateError:
        return str(text).strip()  # the validator names it: „Stichtag“ muss ein Datum sein


@dataclass(frozen=True)
class EditForm:
    """One indicator's editable fields as the form shows them (German formats)."""

    code: str
    seen: str
    target: str
    target_per_place: str
    places: str
    due: str
    start: str
    profile: dict[str, str]
    aggregation: str
    steering: bool
    counts: bool  # stock or flow is asked only of counts and euros
    to_check: bool
    plan_places: tuple[str, ...]


def edit_forms(engine: Engine, plan_key: str, measure_code: str) -> dict[str, EditForm]:
    """The form of every indicator of a measure, with the fingerprint it was built from."""
    with transaction(engine) as session:
        data = session_catalogue_data(session, plan_key)
    measure = _measure(data, measure_code)
    places = tuple(str(o["name"]) for o in data["orte"])
    return {ind["code"]: _form(ind, places) for ind in measure["indikatoren"]}


def _form(ind: dict[str, Any], places: tuple[str, ...]) -> EditForm:
    return EditForm(
        ind["code"],
        fingerprint(ind),
        fmt_exact(ind.get("target")),  # exact and German: read_number reads it back
        fmt_exact(ind.get("target_per_place")),
        "; ".join(ind.get("orte") or []),
        fmt_date(ind["due"]) if ind.get("due") else "",
        fmt_date(ind["start"]) if ind.get("start") else "",
        {q: fmt_exact((ind.get("profil") or {}).get(q)) for q in ("Q1", "Q2", "Q3", "Q4")},
        ind["aggregation"],
        bool(ind["steering"]),
        ind["kind"] in ("count", "money"),
        bool(ind.get("zu_pruefen")),
        places,
    )
