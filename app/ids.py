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
NAV_USERS = "app-nav-benutzer"  # the user's name in the bar, a link to /benutzer for admins

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
# „Quelle“ of one stored value: the archived original's sheet around its cell (/quelle/<id>)
SOURCE = "quelle"
SOURCE_TABLE = "quelle-table"
SOURCE_FACTS = "quelle-facts"


def indicator_graph_id(code: str) -> dict[str, str]:
    return {"type": "massnahme-graph", "index": code}


# „Bearbeiten“ (controlling): the structured fields of each indicator. The judged part of the
# page (answer and indicator panels, forms included) is one container the save callback redraws.
MEASURE_JUDGED = "massnahme-judged"
MEASURE_EDIT_CONTEXT = "massnahme-edit-context"
MEASURE_EDIT_MESSAGE = "massnahme-edit-message"
# Pattern-matching types; the index is the indicator code.
MEASURE_EDIT_SAVE = "massnahme-edit-save"
MEASURE_EDIT_SEEN = "massnahme-edit-seen"
MEASURE_EDIT_TARGET = "massnahme-edit-target"
MEASURE_EDIT_PLACE_TARGET = "massnahme-edit-place-target"
MEASURE_EDIT_PLACES = "massnahme-edit-places"
MEASURE_EDIT_DUE = "massnahme-edit-due"
MEASURE_EDIT_START = "massnahme-edit-start"
MEASURE_EDIT_PROFILE = (
    "massnahme-edit-q1",
    "massnahme-edit-q2",
    "massnahme-edit-q3",
    "massnahme-edit-q4",
)
MEASURE_EDIT_AGGREGATION = "massnahme-edit-aggregation"
MEASURE_EDIT_STEERING = "massnahme-edit-steering"
MEASURE_EDIT_FIELD_TYPES = (
    MEASURE_EDIT_SEEN,
    MEASURE_EDIT_TARGET,
    MEASURE_EDIT_PLACE_TARGET,
    MEASURE_EDIT_PLACES,
    MEASURE_EDIT_DUE,
    MEASURE_EDIT_START,
    *MEASURE_EDIT_PROFILE,
    MEASURE_EDIT_AGGREGATION,
    MEASURE_EDIT_STEERING,
)


def measure_edit(kind: str, code: str) -> dict[str, str]:
    return {"type": kind, "index": code}


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
# „Aufbau anlernen“ (teach a layout no profile reads); MAP_* are pattern-matching types
TEACH = "import-teach"
TEACH_OPEN = "import-teach-open"
TEACH_VIEW = "import-teach-view"
TEACH_SHEET = "import-teach-sheet"
TEACH_GRID = "import-teach-grid"
TEACH_TABLE = "import-teach-table"
TEACH_HEADER = "import-teach-header"
TEACH_HEADER_BOTTOM = "import-teach-header-bottom"
TEACH_INDICATORS = "import-teach-indicators"  # the datalist of the catalogue's indicators
TEACH_LABEL = "import-teach-label"
TEACH_MAP_COLUMN = "import-teach-map-column"
TEACH_MAP_ROW = "import-teach-map-row"
TEACH_MAP_INDICATOR = "import-teach-map-indicator"
TEACH_PERIOD_FROM = "import-teach-period-from"
TEACH_PERIOD_CELL = "import-teach-period-cell"
TEACH_PERIOD_COLUMN = "import-teach-period-column"
TEACH_PERIOD_VALUE = "import-teach-period-value"
TEACH_PLACE_FROM = "import-teach-place-from"
TEACH_PLACE_VALUE = "import-teach-place-value"
TEACH_PLACE_COLUMN = "import-teach-place-column"
TEACH_NAME = "import-teach-name"
TEACH_TITLE = "import-teach-title"
TEACH_PREVIEW = "import-teach-preview"
TEACH_SAVE = "import-teach-save"
TEACH_RESULT = "import-teach-result"

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

# -- Benutzer (/benutzer, admin) ------------------------------------------------------------------
USERS = "benutzer"
USERS_TABLE = "benutzer-table"
USERS_MESSAGE = "benutzer-message"
USERS_NAME = "benutzer-name"
USERS_DISPLAY_NAME = "benutzer-display-name"
USERS_ROLE = "benutzer-role"
USERS_UNITS = "benutzer-units"
USERS_PASSWORD = "benutzer-password"
USERS_ADD = "benutzer-add"
# Pattern-matching types; the index is the user name.
USERS_DISABLE = "benutzer-disable"
USERS_ENABLE = "benutzer-enable"
USERS_RESET = "benutzer-reset"


def user_action(kind: str, name: str) -> dict[str, str]:
    return {"type": kind, "index": name}


# -- Hilfe (/hilfe) --------------------------------------------------------------------------------
HELP = "hilfe"

# -- Bezirke (/bezirke) and the profile of a place (/bezirke/<ort>) ---------------------------------
NAV_PLACES = "app-nav-bezirke"
PLACES = "places"
PLACES_PERIOD = "places-period"
PLACES_INDICATOR = "places-indicator"
PLACES_LEVEL = "places-level"
PLACES_MAP = "places-map"
PLACES_MAP_TABLE = "places-map-table"
PLACES_RANKING = "places-ranking"
PLACES_AMOUNT = "places-amount"
PLACES_BASE_SHARE = "places-base-share"
PLACES_TARGET_GROUP = "places-target-group"
PLACES_ALLOCATE = "places-allocate"
PLACES_ALLOCATION = "places-allocation"
PLACES_EXPORT = "places-export"
PLACES_DOWNLOAD = "places-download"
PLACE_PROFILE = "place-profile"
PLACE_PROFILE_TABLE = "place-profile-table"
PLACE_MEASURES = "place-measures"
PLACES_MAP_UPLOAD = "places-map-upload"
PLACES_MAP_MESSAGE = "places-map-message"
PLACES_INDEX_LEVEL = "places-index-level"
PLACES_INDEX_SAVE = "places-index-save"
PLACES_INDEX_MESSAGE = "places-index-message"
PLACES_INDEX_USE = "places-index-use"  # pattern-matching: {"type": ..., "code": indicator}
PLACES_INDEX_DIRECTION = "places-index-direction"
PLACES_INDEX_WEIGHT = "places-index-weight"


def index_part_id(kind: str, code: str) -> dict[str, str]:
    return {"type": kind, "code": code}


# -- Kontakte (/kontakte) and Postausgang (/postausgang): reminders by e-mail ----------------------
CONTACTS = "kontakte"
CONTACTS_TABLE = "kontakte-table"
CONTACTS_MESSAGE = "kontakte-message"
CONTACTS_UNIT = "kontakte-unit"
CONTACTS_MEASURE = "kontakte-measure"
CONTACTS_NAME = "kontakte-name"
CONTACTS_EMAIL = "kontakte-email"
CONTACTS_ADD = "kontakte-add"
CONTACTS_REMOVE = "kontakte-remove"  # pattern-matching type; the index is the contact's id
OUTBOX = "postausgang"
OUTBOX_LIST = "postausgang-list"
COMPLETENESS_REMINDERS = "vollstaendigkeit-reminders"
