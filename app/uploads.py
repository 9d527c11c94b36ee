"""Browser uploads: safe file names, decoding, and the import (preview or write) under the user's rights."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from db.entry import foreign_indicators, indicator_owners_in_file
from etl.loader import ImportReport, Upload, import_files
from zielcockpit.auth import Principal
from zielcockpit.domain.formatting import fmt_number
from zielcockpit.settings import Settings

ALLOWED_SUFFIXES = (".xlsx", ".xls", ".ods", ".csv")
ACCEPT = ",".join(ALLOWED_SUFFIXES)
MAX_NAME = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class UploadRefused(ValueError):
    """An upload refused before it is read; the message is German."""


def safe_file_name(raw: str | None) -> tuple[str, str | None]:
    """The base name of an uploaded file and, if it had to be shortened, a German note.

    Browsers send only a base name, but a crafted request may send `../../etc/passwd` or
    `C:\\Temp\\x.xlsx`: only the last part counts, and it never becomes part of a path here.
    """
    text = _CONTROL.sub("", raw or "").strip()
    base = re.split(r"[\\/]", text)[-1].strip()
    if base in ("", ".", "..") or not base.strip("."):
        raise UploadRefused(f"Der Dateiname „{text}“ ist ungültig. Bitte die Datei umbenennen.")
    if len(base) > MAX_NAME:
        suffix = Path(base).suffix[:10]
        base = base[: MAX_NAME - len(suffix)] + suffix
    suffix = Path(base).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        shown = f"„{suffix}“" if suffix else "ohne Endung"
        raise UploadRefused(
            f"Die Datei „{base}“ hat den Dateityp {shown}; angenommen werden "
            f"{', '.join(ALLOWED_SUFFIXES)}."
        )
    note = None
    if base != (raw or ""):
        note = f"Der Dateiname „{text}“ enthielt Pfadangaben; verwendet wird „{base}“."
    return base, note


def too_large(size: int, max_bytes: int) -> str:
    return (
        f"Die Datei ist {fmt_number(size / 1024 / 1024, 2)} MB groß; erlaubt sind höchstens "
        f"{fmt_number(max_bytes / 1024 / 1024)} MB (Einstellung ZIELCOCKPIT_MAX_UPLOAD_MB)."
    )


def decode_contents(contents: str | None, max_bytes: int) -> bytes:
    """The bytes of a `data:...;base64,...` upload; too large or broken: UploadRefused."""
    if not contents or not isinstance(contents, str) or "," not in contents:
        raise UploadRefused("Keine Datei empfangen. Bitte die Datei erneut auswählen.")
    head, _, body = contents.partition(",")
    if not head.startswith("data:") or ";base64" not in head:
        raise UploadRefused("Die Datei kam nicht vollständig an. Bitte erneut hochladen.")
    # Checked before decoding, so an oversized body is never decoded into memory.
    estimate = len(body) * 3 // 4
    if estimate > max_bytes + 3:
        raise UploadRefused(too_large(estimate, max_bytes))
    try:
        data = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise UploadRefused("Die Datei kam beschädigt an. Bitte erneut hochladen.") from exc
    if not data:
        raise UploadRefused("Die Datei ist leer (0 Byte).")
    if len(data) > max_bytes:
        raise UploadRefused(too_large(len(data), max_bytes))
    return data


def import_refusal(principal: Principal | None) -> str | None:
    """Why this principal may not import at all (None: may, a fachbereich for its own units)."""
    if principal is None:
        return "Bitte zuerst anmelden."
    if principal.can_import or principal.role == "fachbereich":
        return None
    return (
        "Keine Berechtigung: Dateien importieren dürfen das Controlling, die Administration und "
        "die Fachbereiche (für ihre eigenen Maßnahmen). Ihre Rolle darf nur lesen."
    )


@dataclass
class UploadOutcome:
    """What an upload led to: a refusal, or the importer's report (preview or written)."""

    name: str
    dry_run: bool
    notes: list[str] = field(default_factory=list)
    refusal: str | None = None
    report: ImportReport | None = None
    checksum: str | None = None

    @property
    def accepted(self) -> bool:
        return self.refusal is None and self.report is not None and self.report.status != "rejected"


def run_upload(
    engine: Engine,
    settings: Settings,
    principal: Principal | None,
    raw_name: str | None,
    contents: str | None,
    *,
    dry_run: bool,
    expected_checksum: str | None = None,
) -> UploadOutcome:
    """Check (dry_run) or write an uploaded file with the importer, as `zielcockpit import` does."""
    outcome = UploadOutcome(raw_name or "", dry_run)
    refusal = import_refusal(principal)
    if refusal is not None or principal is None:
        outcome.refusal = refusal or "Bitte zuerst anmelden."
        return outcome
    max_bytes = settings.max_upload_mb * 1024 * 1024
    try:
        name, note = safe_file_name(raw_name)
        outcome.name = name
        if note:
            outcome.notes.append(note)
        data = decode_contents(contents, max_bytes)
    except UploadRefused as exc:
        outcome.refusal = str(exc)
        return outcome
    outcome.checksum = hashlib.sha256(data).hexdigest()
    if expected_checksum is not None and expected_checksum != outcome.checksum:
        outcome.refusal = (
            "Die Datei unterscheidet sich von der geprüften Vorschau. Bitte die Datei erneut "
            "hochladen und die Vorschau prüfen."
        )
        return outcome
    with tempfile.TemporaryDirectory(prefix="zielcockpit-upload-") as folder:
        # The user's name for the file never becomes part of a path.
        path = Path(folder) / f"upload{Path(name).suffix.lower()}"
        path.write_bytes(data)
        if principal.role == "fachbereich":
            owners = indicator_owners_in_file(engine, path, name, max_bytes)
            foreign = foreign_indicators(owners, principal)
            if foreign:
                listed = ", ".join(f"{code} ({unit})" for code, unit in foreign[:20])
                more = f" und {len(foreign) - 20} weitere" if len(foreign) > 20 else ""
                own = ", ".join(sorted(principal.units))
                outcome.refusal = (
                    f"Die Datei enthält Werte von Indikatoren anderer Organisationseinheiten: "
                    f"{listed}{more}. Ihre Rolle „fachbereich“ darf nur Werte der eigenen "
                    f"Organisationseinheit(en) {own} importieren. Nichts wurde geschrieben."
                )
                return outcome
        report = import_files(
            engine, [Upload(path, name)], dry_run=dry_run, user=principal.name, settings=settings
        )
    outcome.report = report
    return outcome
