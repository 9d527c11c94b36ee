"""Use case: preview and import uploaded files (browser and API) under the sender's rights."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from etl.profile import Profile
from etl.report import ImportReport
from etl.staging import Upload
from zielcockpit.domain.access import Principal
from zielcockpit.domain.formatting import fmt_number
from zielcockpit.services.archive import is_disk_full, no_space_message
from zielcockpit.services.imports import Progress, import_files
from zielcockpit.settings import Settings

# .xlsm/.xltm: read for their values only, with a notice that the macros were ignored.
ALLOWED_SUFFIXES = (".xlsx", ".xlsm", ".xltm", ".xls", ".ods", ".csv")
ACCEPT = ",".join(ALLOWED_SUFFIXES)
MAX_NAME = 200
MAX_SHOWN_ERRORS = 200
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class UploadRefused(ValueError):
    """An upload refused before it is read; the message is German."""


def safe_file_name(raw: str | None, *, paths_allowed: bool = True) -> tuple[str, str | None]:
    """The base name of an uploaded file and, if it had to be changed, a German note.

    The one rule for the names of uploaded files; the name never becomes part of a path here.
    A browser sends only a base name (old ones a whole path), but a crafted request may send
    `../../etc/passwd` or `C:\\Temp\\x.xlsx`: with `paths_allowed` only the last part counts
    and a note says so; without (machine clients of the API, whose sender should know better)
    such a name is refused.
    """
    text = _CONTROL.sub("", raw or "").strip()
    base = re.split(r"[\\/]", text)[-1].strip()
    has_path = base != text or ":" in text or text.startswith(".")
    if not paths_allowed and (has_path or not base.strip(".") or "\x00" in (raw or "")):
        raise UploadRefused(
            f"Dateiname „{text}“ ist nicht erlaubt (keine Pfadangaben wie / oder \\ oder ..)."
        )
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


@dataclass(frozen=True)
class UploadedFile:
    """One received file: the name its sender gave it, and its bytes."""

    raw_name: str | None
    data: bytes


def received(
    settings: Settings,
    principal: Principal | None,
    raw_name: str | None,
    contents: str | None,
    dry_run: bool,
) -> bytes | UploadOutcome:
    """The bytes of a browser upload (`data:...;base64,...`) its sender may import, or the
    refusal (no role to import, not logged in, not a file, too large)."""
    outcome = UploadOutcome(raw_name or "", dry_run)
    refusal = import_refusal(principal)
    if refusal is not None or principal is None:
        outcome.refusal = refusal or "Bitte zuerst anmelden."
        return outcome
    try:
        return decode_contents(contents, settings.max_upload_mb * 1024 * 1024)
    except UploadRefused as exc:
        outcome.refusal = str(exc)
        return outcome


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
    """A browser upload (`data:...;base64,...`): check (dry_run) or write it with the importer."""
    data = received(settings, principal, raw_name, contents, dry_run)
    if isinstance(data, UploadOutcome):
        return data
    assert principal is not None  # received() refuses a request without one
    return import_uploads(
        engine,
        settings,
        principal,
        [UploadedFile(raw_name, data)],
        dry_run=dry_run,
        expected_checksum=expected_checksum,
    )


def import_uploads(
    engine: Engine,
    settings: Settings,
    principal: Principal,
    files: Sequence[UploadedFile],
    *,
    dry_run: bool,
    profile: str | None = None,
    expected_checksum: str | None = None,
    paths_allowed: bool = True,
    candidate: Profile | None = None,
    progress: Progress | None = None,
) -> UploadOutcome:
    """Import received files as one unit (preview with `dry_run`), as `zielcockpit import` does.

    The owner check runs inside the importer on the values it staged: a fachbereich may write
    the indicators of its own units only, and nothing is written if a file holds another's.
    """
    outcome = UploadOutcome(files[0].raw_name or "" if files else "", dry_run)
    names = []
    try:
        for f in files:
            name, note = safe_file_name(f.raw_name, paths_allowed=paths_allowed)
            names.append(name)
            if note:
                outcome.notes.append(note)
            if len(f.data) > settings.max_upload_mb * 1024 * 1024:
                raise UploadRefused(too_large(len(f.data), settings.max_upload_mb * 1024 * 1024))
    except UploadRefused as exc:
        outcome.refusal = str(exc)
        return outcome
    if not files:
        outcome.refusal = "Keine Datei empfangen. Bitte die Datei erneut auswählen."
        return outcome
    outcome.name = names[0]
    digest = hashlib.sha256()
    for f in files:
        digest.update(f.data)
    outcome.checksum = digest.hexdigest()
    if expected_checksum is not None and expected_checksum != outcome.checksum:
        outcome.refusal = (
            "Die Datei unterscheidet sich von der geprüften Vorschau. Bitte die Datei erneut "
            "hochladen und die Vorschau prüfen."
        )
        return outcome
    units = principal.units if principal.role == "fachbereich" else None
    try:
        outcome.report = _import_in_folder(
            engine, settings, principal, files, names, dry_run, profile, units, candidate, progress
        )
    except OSError as exc:
        if not is_disk_full(exc):
            raise
        outcome.refusal = no_space_message("temporärer Ordner des Servers")
    return outcome


def _import_in_folder(
    engine: Engine,
    settings: Settings,
    principal: Principal,
    files: Sequence[UploadedFile],
    names: list[str],
    dry_run: bool,
    profile: str | None,
    units: frozenset[str] | None,
    candidate: Profile | None,
    progress: Progress | None,
) -> ImportReport:
    """The files written to a temporary folder (removed afterwards, a full disk included) and
    imported from there."""
    with tempfile.TemporaryDirectory(prefix="zielcockpit-upload-") as folder:
        uploads = []
        for n, (f, name) in enumerate(zip(files, names, strict=True)):
            # The sender's name for the file never becomes part of a path.
            path = Path(folder) / f"upload-{n}{Path(name).suffix.lower()}"
            path.write_bytes(f.data)
            uploads.append(Upload(path, name))
        return import_files(
            engine,
            uploads,
            profile=profile,
            dry_run=dry_run,
            user=principal.name,
            settings=settings,
            writable_units=units,
            candidate=candidate,
            progress=progress,
        )


def outcome_summary(outcome: UploadOutcome) -> dict[str, Any]:
    """What the page shows of a written upload, as JSON (a job keeps it for any instance)."""
    report = outcome.report
    if outcome.refusal is not None or report is None:
        return {"status": "refused", "refusal": outcome.refusal or ""}
    return {
        "status": report.status,
        "errors": [e.text() for e in report.all_errors[:MAX_SHOWN_ERRORS]],
        "errors_total": len(report.all_errors),
        "written": sum(f.values_written for f in report.files),
        "unchanged": sum(f.values_unchanged for f in report.files),
        "comments": sum(f.comments_written for f in report.files),
        "runs": [f.import_run_id for f in report.files if f.import_run_id],
    }
