"""Component ids of the dashboard, in one place (prefixed by page; shared ones by `app-`)."""

from __future__ import annotations

# The app shell (app/__init__.py)
URL = "app-url"
NAV_OVERVIEW = "app-nav-overview"
NAV_QUARTERS = "app-nav-quartale"
NAV_PRESENTATION = "app-nav-praesentation"

# The filter bar: pattern-matching ids, so each page shows only the filters it needs and one
# callback serves them all. `shown` is the value the page was rendered with: Dash fires the
# callback when a new page inserts its selects, and only a value that differs from it is a choice.
FILTER = "app-filter"


def filter_id(name: str, shown: str) -> dict[str, str]:
    return {"type": FILTER, "name": name, "shown": shown}


# Übersicht
OVERVIEW = "overview"
OVERVIEW_COUNTS = "overview-counts"
OVERVIEW_CLUSTERS = "overview-clusters"
OVERVIEW_SCORECARD = "overview-scorecard"
OVERVIEW_NEW_RED = "overview-new-red"
OVERVIEW_MISSING = "overview-missing"

# Cluster
CLUSTER = "cluster"
CLUSTER_TABLE = "cluster-table"

# Maßnahme
MEASURE = "massnahme"
MEASURE_INDICATORS = "massnahme-indicators"
MEASURE_TEXTS = "massnahme-texts"
MEASURE_COMMENTS = "massnahme-comments"
MEASURE_PROVENANCE = "massnahme-provenance"


def indicator_graph_id(code: str) -> dict[str, str]:
    return {"type": "massnahme-graph", "index": code}


# Quartalsvergleich
QUARTERS = "quartale"
QUARTERS_GRID = "quartale-grid"
QUARTERS_EXPORT = "quartale-export"
QUARTERS_DOWNLOAD = "quartale-download"

# Ausschussmodus
PRESENTATION = "praesentation"
PRESENTATION_PREV = "praesentation-prev"
PRESENTATION_NEXT = "praesentation-next"
PRESENTATION_EXIT = "praesentation-exit"
PRESENTATION_FULLSCREEN = "praesentation-fullscreen"
NAV_USER = "app-nav-user"
LOGOUT_CSRF = "app-logout-csrf"
