"""Component ids of the entry, import, audit and completeness pages (prefixed by page)."""

from __future__ import annotations

# Navigation links of these pages (the shell's other links are in app.ids)
NAV_ENTRY = "app-nav-erfassung"
NAV_IMPORT = "app-nav-import"
NAV_COMPLETENESS = "app-nav-vollstaendigkeit"
NAV_AUDIT = "app-nav-protokoll"

# Erfassung
ENTRY = "erfassung"
ENTRY_CONTEXT = "erfassung-context"
ENTRY_SAVE = "erfassung-save"
ENTRY_MESSAGE = "erfassung-message"
# Pattern-matching types; the index is the indicator code (or the measure code for overrides).
ENTRY_VALUE = "erfassung-value"
ENTRY_STATUS = "erfassung-status"
ENTRY_COMMENT = "erfassung-comment"
ENTRY_OVERRIDE_LIGHT = "erfassung-override-light"
ENTRY_OVERRIDE_TEXT = "erfassung-override-text"
ENTRY_FIELD_TYPES = (
    ENTRY_VALUE,
    ENTRY_STATUS,
    ENTRY_COMMENT,
    ENTRY_OVERRIDE_LIGHT,
    ENTRY_OVERRIDE_TEXT,
)


def entry_field(kind: str, code: str) -> dict[str, str]:
    return {"type": kind, "index": code}


# Import
IMPORT = "import"
IMPORT_UPLOAD = "import-upload"
IMPORT_LIMIT = "import-limit"
IMPORT_FILE = "import-file"
IMPORT_CLIENT_MESSAGE = "import-client-message"
IMPORT_PREVIEW = "import-preview"
IMPORT_CHECKED = "import-checked"
IMPORT_CONFIRM = "import-confirm"
IMPORT_RESULT = "import-result"

# Protokoll
AUDIT = "protokoll"
AUDIT_MEASURE = "protokoll-measure"
AUDIT_USER = "protokoll-user"
AUDIT_KIND = "protokoll-kind"
AUDIT_GRID = "protokoll-grid"
AUDIT_COUNT = "protokoll-count"

# Vollständigkeit
COMPLETENESS = "vollstaendigkeit"
COMPLETENESS_COUNTS = "vollstaendigkeit-counts"
COMPLETENESS_LIST = "vollstaendigkeit-list"
COMPLETENESS_EXPORT = "vollstaendigkeit-export"
COMPLETENESS_DOWNLOAD = "vollstaendigkeit-download"

# Maßnahme: the change log section
MEASURE_CHANGELOG = "massnahme-aenderungsprotokoll"
