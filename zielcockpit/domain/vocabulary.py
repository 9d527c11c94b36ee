"""The words of the domain, defined once: lights, milestone states, statistical symbols, roles.

Every other module (the database's check constraints, the importer, the rules, the pages, the
CLI) imports them from here, so a new state or a changed German word is one edit.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable
from decimal import Decimal
from functools import reduce
from typing import Literal, TypeVar

# -- traffic lights ------------------------------------------------------------------------------

Light = Literal["green", "yellow", "red", "grey"]
LIGHTS: tuple[Light, ...] = ("green", "yellow", "red", "grey")
LIGHT_WORDS: dict[str, str] = {
    "green": "grün",
    "yellow": "gelb",
    "red": "rot",
    "grey": "grau",
}
LIGHT_MEANINGS: dict[str, str] = {
    "green": "im Plan",
    "yellow": "gefährdet",
    "red": "nicht im Plan",
    "grey": "keine Bewertung",
}
# The shape beside every light's word, so that no light relies on colour alone (app, public
# view, report, CLI).
LIGHT_SHAPES: dict[str, str] = {"green": "●", "yellow": "▲", "red": "■", "grey": "○"}
# Order used for "worst of": an unknown state is worse than on track, better than a known miss.
SEVERITY: dict[str, int] = {"green": 0, "grey": 1, "yellow": 2, "red": 3}

# -- milestone states (the Sachstand of a milestone) --------------------------------------------

MILESTONE_DONE = "erledigt"
MILESTONE_ON_TRACK = "im_plan"
MILESTONE_AT_RISK = "gefaehrdet"
MILESTONE_OPEN = "offen"
MILESTONE_WORDS: dict[str, str] = {
    MILESTONE_DONE: "erledigt",
    MILESTONE_ON_TRACK: "im Plan",
    MILESTONE_AT_RISK: "gefährdet",
    MILESTONE_OPEN: "offen",
}
MILESTONE_STATES: tuple[str, ...] = tuple(MILESTONE_WORDS)
_WORDS = list(MILESTONE_WORDS.values())
MILESTONE_CHOICE_TEXT = ", ".join(_WORDS[:-1]) + " oder " + _WORDS[-1]  # for messages
# What a sender may write for a state, after folding (lower case, umlauts as ae/oe/ue).
MILESTONE_INPUTS: dict[str, str] = {
    "erledigt": MILESTONE_DONE,
    "im plan": MILESTONE_ON_TRACK,
    "gefaehrdet": MILESTONE_AT_RISK,
    "offen": MILESTONE_OPEN,
}

# -- stocks and flows: what a value of a quarter means ---------------------------------------------

FLOW = "sum"  # new cases in the period (placements, events held): the quarters are summed
STOCK = "last"  # a level at the end of the period (pilot quarters running): the last value counts
AGGREGATION_WORDS: dict[str, str] = {
    FLOW: "Zugänge (Summe der Quartale)",
    STOCK: "Bestand (letzter Wert zählt)",
}


def value_label(kind: str, aggregation: str, unit: str = "") -> str:
    """What the value of one quarter is, in the words the entry form and template ask for it.

    „Zugänge im Quartal“ for a flow, „Bestand am Quartalsende“ for a stock, „Stand am
    Quartalsende“ for rates and bounds, „Sachstand“ for a milestone.
    """
    if kind == "milestone":
        return "Sachstand"
    if kind in ("rate", "upper_bound"):
        return "Stand am Quartalsende"
    if aggregation == STOCK or kind == "reduction":
        return "Bestand am Quartalsende"
    if unit == "EUR":
        return "Betrag im Quartal"
    return "Zugänge im Quartal"


# -- the catalogue's fixed choices (the database's check constraints and the catalogue checks) -----

INDICATOR_KINDS: tuple[str, ...] = (
    "count",
    "rate",
    "upper_bound",
    "reduction",
    "money",
    "milestone",
    "unquantified",
)
DIRECTIONS: tuple[str, ...] = ("higher", "lower")
AGGREGATIONS: tuple[str, ...] = ("sum", "last")
PLACE_KINDS: tuple[str, ...] = ("stadt", "stadtbezirk", "stadtteil", "quartier")
CONTEXT_MEASURES: tuple[str, ...] = ("anzahl", "anteil", "quote")

# -- the catalogue's choices as a controller reads them (workbook drop-downs, the edit form) --------

KIND_NAMES: dict[str, str] = {
    "count": "Anzahl",
    "rate": "Quote",
    "upper_bound": "Obergrenze",
    "reduction": "Senkung",
    "money": "Euro",
    "milestone": "Meilenstein",
    "unquantified": "ohne Zielwert",
}
DIRECTION_NAMES: dict[str, str] = {"higher": "höher ist besser", "lower": "niedriger ist besser"}
AGGREGATION_NAMES: dict[str, str] = {FLOW: "Zugänge", STOCK: "Bestand"}
YES, NO = "ja", "nein"
TO_CHECK = "zu prüfen"  # a target or date copied from last year's plan, not yet confirmed


# -- statistical symbols (Zeichenerklärung of the statistical offices) --------------------------

SYMBOL_MEANINGS: dict[str, str] = {
    "*": "anonymisiert (Datenschutz)",
    "-": "nichts vorhanden",
    "x": "nicht sinnvoll",
    ".": "unbekannt",
    "...": "noch nicht verfügbar",
}
SYMBOLS: tuple[str, ...] = tuple(SYMBOL_MEANINGS)
NOTHING = "-"  # "nichts vorhanden": a real zero of cases, never a missing value
# How a symbol is written in the files that arrive (dashes and the ellipsis in their variants).
SYMBOL_SPELLINGS: dict[str, str] = {
    "*": "*",
    "-": "-",
    "–": "-",
    "—": "-",
    "x": "x",
    ".": ".",
    "...": "...",
    "…": "...",
}
# Which symbol a sum of several unknown parts carries: the most telling first.
SYMBOL_RANK: dict[str, int] = {"*": 0, ".": 1, "...": 2, "x": 3, "-": 4}

# -- the state of a quarter ----------------------------------------------------------------------

QUARTER_OPEN = "offen"
QUARTER_RELEASED = "freigegeben"
QUARTER_STATES: tuple[str, ...] = (QUARTER_OPEN, QUARTER_RELEASED)

# -- roles ---------------------------------------------------------------------------------------

ROLES: tuple[str, ...] = ("leitung", "fachbereich", "controlling", "admin")
ROLE_WORDS: dict[str, str] = {
    "leitung": "Dezernatsleitung (lesen)",
    "fachbereich": "Fachbereich (eigene Maßnahmen pflegen)",
    "controlling": "Controlling (alles lesen und schreiben, importieren)",
    "admin": "Administration (Benutzer und Einstellungen)",
}


# -- combining the values of several places ------------------------------------------------------

N = TypeVar("N", int, float, Decimal)

Cell = tuple[N | None, str | None, str | None]  # (number, symbol, milestone state)


def combine_places(parts: Iterable[Cell[N]]) -> Cell[N]:
    """The whole from its parts (places, or the cells of one value): the one rule for sums.

    A `-` ("nichts vorhanden") adds nothing; any other symbol makes the sum unknown and is
    kept (the most telling one); a milestone state is not summed but passed on. Only `-`
    parts give `-`.
    """
    parts = list(parts)
    symbols = [s for _, s, _ in parts if s is not None and s != NOTHING]
    if symbols:
        return (None, min(symbols, key=lambda s: SYMBOL_RANK.get(s, 9)), None)
    status = next((st for _, _, st in parts if st), None)
    if status is not None:
        return (None, None, status)
    numbers = [v for v, _, _ in parts if v is not None]
    if not numbers:
        return (
            (None, NOTHING, None) if any(s == NOTHING for _, s, _ in parts) else (None, None, None)
        )
    return (reduce(operator.add, numbers), None, None)
