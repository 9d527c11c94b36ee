"""The form of /erfassung as the save callback receives it: states in, a Submission out (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app import ids as aids
from app.components.entry_form import NO_OVERRIDE, NO_STATUS
from zielcockpit.services.entry import FieldInput, OverrideInput, SaveResult, Seen, Submission


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
    seen_values, seen_overrides = _seen(context)
    for code, v in values.items():
        submission.fields[code] = FieldInput(
            code,
            v.get(aids.ENTRY_VALUE),
            v.get(aids.ENTRY_STATUS),
            v.get(aids.ENTRY_COMMENT),
            seen_values.get(code),
        )
    for code, o in overrides.items():
        submission.overrides[code] = OverrideInput(
            code,
            o.get(aids.ENTRY_OVERRIDE_LIGHT),
            o.get(aids.ENTRY_OVERRIDE_TEXT),
            seen_overrides.get(code),
        )
    return submission


def _seen(context: Mapping[str, Any]) -> tuple[dict[str, Seen], dict[str, tuple[str | None, str]]]:
    """What the form showed (EntryForm.seen), so the save can tell what changed meanwhile."""
    seen = context.get("seen")
    if seen is None:
        return {}, {}
    stale = BadRequest("Die Seite ist veraltet. Bitte neu laden.")
    if not isinstance(seen, Mapping):
        raise stale
    values: dict[str, Seen] = {}
    for code, item in (seen.get("values") or {}).items():
        if not (
            isinstance(item, list)
            and len(item) == 3
            and isinstance(item[0], int)
            and not isinstance(item[0], bool)
            and all(x is None or isinstance(x, str) for x in item[1:])
        ):
            raise stale
        values[str(code)] = Seen(item[0], item[1], item[2])
    overrides: dict[str, tuple[str | None, str]] = {}
    for code, item in (seen.get("overrides") or {}).items():
        if not (
            isinstance(item, list)
            and len(item) == 2
            and all(x is None or isinstance(x, str) for x in item)
        ):
            raise stale
        overrides[str(code)] = (item[0], item[1] or "")
    return values, overrides


def context_after_save(
    context: Mapping[str, Any], submission: Submission, result: SaveResult
) -> dict[str, Any]:
    """The form's context after a save: what is now stored is what the user sees."""
    values, overrides = _seen(context)
    out_values = {code: [s.version, s.value, s.status] for code, s in values.items()}
    for code, version in result.versions.items():
        entry = submission.fields[code]
        out_values[code] = [version, entry.value or "", entry.status]
    out_overrides: dict[str, list[str | None]] = {c: [o[0], o[1]] for c, o in overrides.items()}
    if result.ok:
        for code, o in submission.overrides.items():
            out_overrides[code] = [(o.light or "").strip() or None, (o.justification or "").strip()]
    return {**context, "seen": {"values": out_values, "overrides": out_overrides}}
