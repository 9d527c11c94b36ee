"""The report of an import, per file and as a whole: what was or would be written, old -> new,
and every problem, in German for the CLI and the inbox and as JSON for `import --json`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from etl.extract import Problem
from etl.validate import ValueRow, show
from zielcockpit.domain.german import CellValue
from zielcockpit.domain.periods import Period
from zielcockpit.domain.value_rows import StoredValue, ValueDiff

MAX_CHANGES = 1000  # the preview lists this many changes; the counts cover all of them


@dataclass(frozen=True)
class Change:
    """One value as it would be or was written: old -> new, and where it came from."""

    indicator: str
    period: str
    place: str | None
    old: str | None
    new: str
    file: str
    sheet: str | None
    cell: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "indicator": self.indicator,
            "period": self.period,
            "place": self.place,
            "old": self.old,
            "new": self.new,
            "file": self.file,
            "sheet": self.sheet,
            "cell": self.cell,
        }


@dataclass
class FileReport:
    file: str
    profile: str | None = None
    profile_title: str | None = None
    detected: bool = False
    checksum: str | None = None
    status: str = "rejected"  # ok | unchanged | rejected
    values_written: int = 0
    values_unchanged: int = 0
    comments_written: int = 0
    errors: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)  # the first MAX_CHANGES
    changes_total: int = 0
    archive_path: str | None = None
    import_run_id: int | None = None

    def as_json(self, limit: int | None = None) -> dict[str, Any]:
        return {
            "file": self.file,
            "status": self.status,
            "profile": self.profile,
            "profile_title": self.profile_title,
            "profile_detected": self.detected,
            "checksum": self.checksum,
            "values_written": self.values_written,
            "values_unchanged": self.values_unchanged,
            "comments_written": self.comments_written,
            "errors": [e.as_json() for e in self.errors],
            "notes": self.notes,
            "archive_path": self.archive_path,
            "import_run_id": self.import_run_id,
            "changes": [c.as_json() for c in self.changes[:limit]],
            "changes_total": self.changes_total,
        }


MAX_LISTED_ERRORS = 200  # errors listed in a report; the rest are counted


@dataclass
class ImportReport:
    files: list[FileReport]
    dry_run: bool = False
    errors: list[Problem] = field(default_factory=list)  # problems of the batch as a whole

    @property
    def status(self) -> str:
        if self.errors or any(f.status == "rejected" for f in self.files) or not self.files:
            return "rejected"
        if any(f.status == "ok" for f in self.files):
            return "ok"
        return "unchanged"

    @property
    def all_errors(self) -> list[Problem]:
        return self.errors + [e for f in self.files for e in f.errors]

    @property
    def profile(self) -> str | None:
        names = list(dict.fromkeys(f.profile for f in self.files if f.profile))
        return ", ".join(names) if names else None

    @property
    def changes(self) -> list[Change]:
        return [c for f in self.files for c in f.changes]

    def as_json(
        self, limit: int | None = 1000, max_errors: int = MAX_LISTED_ERRORS
    ) -> dict[str, Any]:
        """The contract of `import --json`; keys may be added, never renamed.

        `errors` lists the first `max_errors` errors (of the batch and of each file), and
        `errors_total` says how many there are: a file with 100,000 bad cells gives a report
        of a few hundred kilobytes, not of 80 MB.
        """
        errors = self.all_errors
        files = []
        for f in self.files:
            body = f.as_json(limit)
            body["errors"] = body["errors"][:max_errors]
            body["errors_total"] = len(f.errors)
            files.append(body)
        return {
            "status": self.status,
            "profile": self.profile,
            "values_written": sum(f.values_written for f in self.files),
            "values_unchanged": sum(f.values_unchanged for f in self.files),
            "errors": [e.as_json() for e in errors[:max_errors]],
            "errors_total": len(errors),
            "dry_run": self.dry_run,
            "comments_written": sum(f.comments_written for f in self.files),
            "files": files,
        }

    def lines(self, max_changes: int = 40, max_errors: int = MAX_LISTED_ERRORS) -> list[str]:
        """The report in German, as the CLI and the inbox print it."""
        out: list[str] = []
        for f in self.files:
            how = "automatisch erkannt" if f.detected else "angegeben"
            head = (
                f"{f.file}: Profil „{f.profile}“ ({f.profile_title}; {how})"
                if f.profile
                else f.file
            )
            out.append(head)
            for note in f.notes:
                out.append(f"  Hinweis: {note}")
        if self.status == "rejected":
            errors = self.all_errors
            out.append(
                f"Abgelehnt – nichts wurde geschrieben. {len(errors)} "
                f"{'Fehler' if len(errors) != 1 else 'Fehler'}:"
            )
            out.extend(f"  – {e.text()}" for e in errors[:max_errors])
            if len(errors) > max_errors:
                out.append(f"  … und {len(errors) - max_errors} weitere Fehler.")
            return out
        written = sum(f.values_written for f in self.files)
        unchanged = sum(f.values_unchanged for f in self.files)
        comments = sum(f.comments_written for f in self.files)
        if self.dry_run:
            out.append(
                f"Probelauf – nichts wurde geschrieben. Würde {written} Werte schreiben, "
                f"{unchanged} unverändert, {comments} Kommentare."
            )
        elif self.status == "unchanged":
            out.append(f"Unverändert: alle {unchanged} Werte sind bereits so gespeichert.")
        else:
            out.append(
                f"Geschrieben: {written} Werte, {unchanged} unverändert, {comments} Kommentare."
            )
        changes = self.changes
        for c in changes[:max_changes]:
            place = f" ({c.place})" if c.place else ""
            old = "neu" if c.old is None else c.old
            sheet = f"Blatt „{c.sheet}“, " if c.sheet else ""
            out.append(
                f"  {c.indicator} · {period_label(c.period)}{place}: {old} → {c.new} "
                f"({sheet}Zelle {c.cell})"
            )
        total = sum(f.changes_total for f in self.files)
        if total > min(max_changes, len(changes)):
            out.append(f"  … und {total - min(max_changes, len(changes))} weitere Änderungen.")
        return out


def period_label(key: str) -> str:
    return Period.parse(key).label


def _show_row(row: ValueRow, unit: str) -> str:
    return show(CellValue(row.value, row.symbol, row.status), unit)


def _show_old(old: StoredValue, unit: str) -> str:
    text = show(CellValue(old.value, old.symbol, old.status), unit)
    return text + (" (Demodaten)" if old.demo else "")


def fill_changes(report: FileReport, diff: ValueDiff, units: dict[int, str]) -> None:
    """The first MAX_CHANGES writes of a diff listed in the report (new ones first)."""
    report.changes_total = diff.written
    room = MAX_CHANGES - len(report.changes)
    for row in diff.new[: max(room, 0)]:
        report.changes.append(_change(row, None, units.get(row.indikator_id, "")))
    room = MAX_CHANGES - len(report.changes)
    for row, old in diff.changed[: max(room, 0)]:
        unit = units.get(row.indikator_id, "")
        report.changes.append(_change(row, _show_old(old, unit), unit))


def _change(row: ValueRow, old: str | None, unit: str) -> Change:
    return Change(
        row.code,
        row.period,
        row.place,
        old,
        _show_row(row, unit),
        row.file,
        row.source_sheet,
        row.source_cell,
    )
