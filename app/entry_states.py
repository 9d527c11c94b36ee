"""The form of /erfassung as the save callback receives it: states in, a Submission out (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app import ids as aids
from app.components.entry_form import NO_OVERRIDE, NO_STATUS
from db.entry import FieldInput, OverrideInput, Submission


class BadRequest(ValueError):
    """A callback request that the page itself never sends."""


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value)
    raise BadRequest("Unerwarteter Inhalt in einem Eingabefeld.")


def submission_from_states(context: Any, states: Sequence[Any]) -> Submission:
    """The form's fields from the callback's states (pure; a crafted request gets a German error)."""
    if not isinstance(context, Mapping) or not all(
        isinstance(context.get(k), str) for k in ("plan", "period")
    ):
        raise BadRequest("Die Seite ist veraltet. Bitte neu laden.")
    submission = Submission(str(context["plan"]), str(context["period"]))
    values: dict[str, dict[str, str | None]] = {}
    overrides: dict[str, dict[str, str | None]] = {}
    for group in states:
        for item in group if isinstance(group, list) else [group]:
            if not isinstance(item, Mapping):
                raise BadRequest("Unerwartete Anfrage.")
            ident = item.get("id")
            if not isinstance(ident, Mapping):
                continue  # the context store
            kind, code = ident.get("type"), ident.get("index")
            if kind not in aids.ENTRY_FIELD_TYPES or not isinstance(code, str):
                raise BadRequest("Unerwartetes Eingabefeld.")
            value = _text(item.get("value"))
            if value in (NO_STATUS, NO_OVERRIDE) and kind in (
                aids.ENTRY_STATUS,
                aids.ENTRY_OVERRIDE_LIGHT,
            ):
                value = None
            if kind in (aids.ENTRY_OVERRIDE_LIGHT, aids.ENTRY_OVERRIDE_TEXT):
                overrides.setdefault(code, {})[kind] = value
            else:
                values.setdefault(code, {})[kind] = value
    for code, v in values.items():
        submission.fields[code] = FieldInput(
            code, v.get(aids.ENTRY_VALUE), v.get(aids.ENTRY_STATUS), v.get(aids.ENTRY_COMMENT)
        )
    for code, o in overrides.items():
        submission.overrides[code] = OverrideInput(
            code, o.get(aids.ENTRY_OVERRIDE_LIGHT), o.get(aids.ENTRY_OVERRIDE_TEXT)
        )
    return submission
