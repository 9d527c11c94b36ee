"""Component ids of the app, in one place: a section per page, prefixed by page (shared: `app-`).

The names are what the code calls an element; the string values are what the browser, the
browser tests and bookmarked links see, so they stay as they are when a name changes.
"""

from __future__ import annotations

# -- The app shell (app/__init__.py) and its navigation (app/navigation.py) -----------------------
URL = "app-url"
NAV_USER = "app-nav-user"
LOGOUT_CSRF = "app-logout-csrf"
# One link per page in the navigation; each page names its own in `register_page(nav_id=...)`.
NAV_OVERVIEW = "app-nav-overview"
NAV_QUARTERS = "app-nav-quartale"
NAV_PRESENTATION = "app-nav-praesentation"
NAV_ENTRY = "app-nav-erfassung"
NAV_IMPORT = "app-nav-import"
NAV_COMPLETENESS = "app-nav-vollstaendigkeit"
NAV_AUDIT = "app-nav-protokoll"
NAV_HELP = "app-nav-hilfe"

# -- The filter bar (every page that filters) ------------------------------------------------------
# Pattern-matching ids, so each page shows only the filters it needs and one callback serves
# them all. The ids are stable (they never hold the value shown): a select keeps its element,
# and so the keyboard focus, when the page is drawn again after a choice. The values the page
# was rendered with travel in FILTER_SHOWN instead: Dash fires the callback when a new page
# inserts its selects, and only a value that differs from them is a choice. FILTER_SHOWN is a
# pattern-matching id too, so a page without a filter bar is no missing State (Dash also fires
# the callback when a page removes the selects).
FILTER = "app-filter"
FILTER_BAR = "app-filter-bar"
FILTER_SHOWN = "app-filter-shown"


def filter_id(name: str) -> dict[str, str]:
    return {"type": FILTER, "name": name}


def filter_shown_id() -> dict[str, str]:
    return {"type": FILTER_SHOWN, "bar": "filters"}


# -- Übersicht (/) ---------------------------------------------------------------------------------
OVERVIEW = "overview"
OVERVIEW_COUNTS = "overview-counts"
OVERVIEW_HANDLUNGSFELDER = "overview-clusters"
OVERVIEW_SCORECARD = "overview-scorecard"
OVERVIEW_NEW_RED = "overview-new-red"
OVERVIEW_MISSING = "overview-missing"
OVERVIEW_QUARTER_STATE = "overview-quarter-state"
OVERVIEW_REPORT = "overview-report"
OVERVIEW_REPORT_CONTEXT = "overview-report-context"
OVERVIEW_REPORT_DOWNLOAD = "overview-report-download"
OVERVIEW_REPORT_MESSAGE = "overview-report-message"
# the report runs as a job: its id, and the timer that asks for its progress
OVERVIEW_REPORT_JOB = "overview-report-job"
OVERVIEW_REPORT_POLL = "overview-report-poll"

# -- Handlungsfeld (/cluster/<id>) -----------------------------------------------------------------
HANDLUNGSFELD = "cluster"
HANDLUNGSFELD_TABLE = "cluster-table"

# -- Maßnahme (/massnahme/<code>) ------------------------------------------------------------------
MEASURE = "massnahme"
MEASURE_INDICATORS = "massnahme-indicators"
MEASURE_TEXTS = "massnahme-texts"
MEASURE_COMMENTS = "massnahme-comments"
MEASURE_PROVENANCE = "massnahme-provenance"
MEASURE_CHANGELOG = "massnahme-aenderungsprotokoll"


def indicator_graph_id(code: str) -> dict[str, str]:
    return {"type": "massnahme-graph", "index": code}


# -- Quartalsvergleich (/quartale) -----------------------------------------------------------------
QUARTERS = "quartale"
QUARTERS_GRID = "quartale-grid"
QUARTERS_EXPORT = "quartale-export"
QUARTERS_DOWNLOAD = "quartale-download"

# -- Ausschussmodus (/praesentation) ---------------------------------------------------------------
PRESENTATION = "praesentation"
PRESENTATION_PREV = "praesentation-prev"
PRESENTATION_NEXT = "praesentation-next"
PRESENTATION_EXIT = "praesentation-exit"
PRESENTATION_FULLSCREEN = "praesentation-fullscreen"

# -- Erfassung (/erfassung) ------------------------------------------------------------------------
ENTRY = "erfassung"
ENTRY_CONTEXT = "erfassung-context"
ENTRY_SAVE = "erfassung-save"
ENTRY_MESSAGE = "erfassung-message"
ENTRY_RELEASED = "erfassung-released"
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


# -- Import (/import) ------------------------------------------------------------------------------
IMPORT = "import"
IMPORT_UPLOAD = "import-upload"
IMPORT_LIMIT = "import-limit"
IMPORT_FILE = "import-file"
IMPORT_CLIENT_MESSAGE = "import-client-message"
IMPORT_PREVIEW = "import-preview"
IMPORT_CHECKED = "import-checked"
IMPORT_CONFIRM = "import-confirm"
IMPORT_RESULT = "import-result"
# „Übernehmen“ runs as a job: its id, and the timer that asks for its progress
IMPORT_JOB = "import-job"
IMPORT_POLL = "import-poll"

# -- Vollständigkeit (/vollstaendigkeit) -----------------------------------------------------------
COMPLETENESS = "vollstaendigkeit"
COMPLETENESS_COUNTS = "vollstaendigkeit-counts"
COMPLETENESS_LIST = "vollstaendigkeit-list"
COMPLETENESS_EXPORT = "vollstaendigkeit-export"
COMPLETENESS_DOWNLOAD = "vollstaendigkeit-download"
# „Quartal freigeben“ / „Wieder öffnen“: the panel is rebuilt by its one callback. Its controls
# exist only in one state (release in a draft, reopen in a released quarter), so they are
# pattern-matching types (`quarter_control`): a callback over ALL of them never waits for a
# control the panel does not show.
COMPLETENESS_QUARTER = "vollstaendigkeit-quarter"
COMPLETENESS_QUARTER_CONTEXT = "vollstaendigkeit-quarter-context"
COMPLETENESS_QUARTER_STATE = "vollstaendigkeit-quarter-state"
COMPLETENESS_QUARTER_MESSAGE = "vollstaendigkeit-quarter-message"
COMPLETENESS_RELEASE = "vollstaendigkeit-release"
COMPLETENESS_RELEASE_CONFIRM = "vollstaendigkeit-release-confirm"
COMPLETENESS_REOPEN = "vollstaendigkeit-reopen"
COMPLETENESS_REOPEN_REASON = "vollstaendigkeit-reopen-reason"


def quarter_control(kind: str) -> dict[str, str]:
    return {"type": kind, "index": "quartal"}


# -- Änderungsprotokoll: the audit trail (/protokoll) ----------------------------------------------
AUDIT = "protokoll"
AUDIT_MEASURE = "protokoll-measure"
AUDIT_USER = "protokoll-user"
AUDIT_KIND = "protokoll-kind"
AUDIT_GRID = "protokoll-grid"
AUDIT_COUNT = "protokoll-count"

# -- Hilfe (/hilfe) --------------------------------------------------------------------------------
HELP = "hilfe"
