"""Pure table steps: normalise labels, fill merged cells, find headers by label.

Nothing here touches a file or the database: a sheet is a list of rows of plain Python values
(what calamine or the CSV reader returns), so every rule of sources.md is testable on literals.
Numbers, periods and dates are read by `zielcockpit.domain.german`, the one reading of German
text; this module finds where they stand.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from zielcockpit.domain.formatting import fmt_date, fmt_datetime
from zielcockpit.domain.german import ValueProblem, fold, header_period, parse_text_value
from zielcockpit.domain.periods import Period

Row = list[Any]

# -- addresses ---------------------------------------------------------------------------------


@lru_cache(maxsize=512)
def column_letter(col: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    letters = ""
    n = col + 1
    while n:
        n, rest = divmod(n - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_address(row: int, col: int) -> str:
    """Zero-based row and column to the address a person sees: (16, 2) -> C17."""
    return f"{column_letter(col)}{row + 1}"


# -- labels ------------------------------------------------------------------------------------

# Footnote markers change from month to month and stand anywhere: „Arbeitslose 1)“, „SGB II 2) 4)“,
# „Arbeitslose1)“, „Quote¹“, „Wert*“, „Wert *)“, „Anzahl [3]“. A number in parentheses that closes
# an opened one („(unter 25)“) is text, not a marker: see _drop_marker.
_MARKERS = re.compile(
    r"(?:(?<=\s)|(?<=^)|(?<=[a-z]))\(?\d{1,2}\)(?=\s|$|[.,;:])"
    r"|\[\d{1,2}\]|[¹²³⁴⁵⁶⁷⁸⁹⁰]+|\s*\*+\)?(?=\s|$)"
)
_SPACE = re.compile(r"\s+")
_HYPHEN_BREAK = re.compile(r"(\w)-\s*\n\s*(\w)")
# Abbreviations senders use in headings, as whole words with or without their period. „bez.“ is
# left out on purpose: it is „bezogen“ in BA labels and „Bezirk“ elsewhere.
ABBREVIATIONS = {
    "ges": "gesamt",
    "insg": "insgesamt",
    "anz": "anzahl",
    "zus": "zusammen",
    "tn": "teilnehmende",
    "teiln": "teilnehmende",
    "verm": "vermittlungen",
    "vermittl": "vermittlungen",
    "alleinerz": "alleinerziehende",
    "arbeitsl": "arbeitslose",
    "stadtbez": "stadtbezirk",
    "nr": "nummer",
    "lfd": "laufende",
    "alq": "arbeitslosenquote",
}
_ABBREVIATION = re.compile(
    r"(?<![a-z0-9])("
    + "|".join(sorted(ABBREVIATIONS, key=len, reverse=True))
    + r")(?:\.|(?![a-z0-9]))"
)

# the same words in a profile's pattern, written with an escaped period („ges\\.“) or without
_PATTERN_ABBREVIATION = re.compile(
    r"(?<![a-z0-9\\])(" + "|".join(sorted(ABBREVIATIONS, key=len, reverse=True)) + r")"
    r"(?:\\\.\??)?(?![a-z0-9])"
)


def _drop_marker(found: re.Match[str]) -> str:
    marker = found.group(0)
    if marker.endswith(")") and not marker.lstrip().startswith(("(", "*")):
        before = found.string[: found.start()]
        if before.count("(") > before.count(")"):
            return marker  # closes a parenthesis of the label itself
    return " "


@lru_cache(maxsize=65536)
def _normalise_text(text: str) -> str:
    text = _HYPHEN_BREAK.sub(r"\1\2", text)
    text = fold(text).replace("\u00a0", " ").replace("–", "-").replace("—", "-")
    text = _MARKERS.sub(_drop_marker, text)
    text = _ABBREVIATION.sub(lambda m: ABBREVIATIONS[m.group(1)], text)
    return _SPACE.sub(" ", text).strip(" :")


def normalise(value: Any) -> str:
    """A label as it is matched: folded, footnote markers, abbreviations and line breaks gone."""
    if value is None or value == "":
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _normalise_text(str(value))


# German inflection at a word's end: „Arbeitslosenquote“/„Arbeitslosenquoten“,
# „Vermittlung“/„Vermittlungen“, „Teilnehmende“/„Teilnehmenden“, „Stadtteil“/„Stadtteile“.
_ENDINGS = ("ern", "nen", "en", "er", "es", "e", "n", "s")
_ENDING_GROUP = "(?:" + "|".join(_ENDINGS) + ")?"
_WORD_END = frozenset(("", " ", "|", ")", "$", "-", "/", ".", ",", ":", "\\"))
_MIN_STEM = 4


def inflect(pattern: str) -> str:
    """A label pattern whose literal words (four letters and more) also match their inflected
    forms: the word's own ending becomes optional and any German ending may follow."""
    out: list[str] = []
    word: list[str] = []
    in_class = False

    def flush(following: str) -> None:
        if not word:
            return
        text = "".join(word)
        word.clear()
        quantified = following in ("?", "*", "+", "{")
        in_group_syntax = bool(out) and out[-1] in ("?", "<")
        if quantified or in_group_syntax or len(text) < _MIN_STEM or following not in _WORD_END:
            out.append(text)
            return
        stem = text
        for ending in _ENDINGS:
            if text.endswith(ending) and len(text) - len(ending) >= _MIN_STEM:
                stem = text[: -len(ending)]
                break
        out.append(stem + _ENDING_GROUP)

    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if in_class:
            out.append(ch)
            in_class = ch != "]" or pattern[i - 1] == "\\"
        elif ch == "\\":
            flush("\\")
            out.append(pattern[i : i + 2])
            i += 1
        elif ch.isalpha() and ch.isascii():
            word.append(ch)
        else:
            flush(ch)
            out.append(ch)
            in_class = ch == "["
        i += 1
    flush("")
    return "".join(out)


def compile_label(pattern: str) -> re.Pattern[str]:
    """A label pattern of a profile: case- and umlaut-insensitive, whole words only, tolerant of
    inflected forms and of abbreviations written in the pattern or the label."""
    folded = _PATTERN_ABBREVIATION.sub(
        lambda m: f"(?:{m.group(1)}|{ABBREVIATIONS[m.group(1)]})", fold(pattern)
    )
    return re.compile(rf"(?<![a-z0-9])(?:{inflect(folded)})(?![a-z0-9])")


def matches(patterns: Iterable[re.Pattern[str]], text: str) -> bool:
    return any(p.search(text) for p in patterns)


def full_match(patterns: Iterable[re.Pattern[str]], text: str) -> bool:
    return any(p.fullmatch(text) or _fullmatch_inner(p, text) for p in patterns)


def _fullmatch_inner(pattern: re.Pattern[str], text: str) -> bool:
    found = pattern.search(text)
    return found is not None and found.start() == 0 and found.end() == len(text)


_PLACE_CODE = re.compile(r"^\d{1,8}[a-z]?\s+")


def place_label(value: Any) -> str:
    """„09 Sennestadt“ and „091 Sennestadt 2)“ -> „sennestadt“."""
    return _PLACE_CODE.sub("", normalise(value))


# -- empty cells and merged ranges ------------------------------------------------------------


def is_empty(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


MergedRange = tuple[tuple[int, int], tuple[int, int]]


def fill_merged(rows: list[Row], ranges: Sequence[MergedRange]) -> None:
    """Give every cell of a merged range the value of its top-left cell (in place)."""
    for (r0, c0), (r1, c1) in ranges:
        if r0 >= len(rows):
            continue
        value = rows[r0][c0] if c0 < len(rows[r0]) else ""
        for r in range(r0, min(r1, len(rows) - 1) + 1):
            row = rows[r]
            if len(row) <= c1:
                row.extend([""] * (c1 + 1 - len(row)))
            for c in range(c0, c1 + 1):
                if r != r0 or c != c0:
                    row[c] = value


# -- cell values -------------------------------------------------------------------------------


def display(raw: Any) -> str:
    """A cell's content as the person who made the file wrote it, for messages."""
    if raw is None:
        return ""
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, dt.datetime):
        return fmt_datetime(raw) if raw.time() != dt.time() else fmt_date(raw)
    if isinstance(raw, dt.date):
        return fmt_date(raw)
    return str(raw).strip()


# -- finding the header ------------------------------------------------------------------------


@dataclass(frozen=True)
class Header:
    """The header block of a table: its rows, the label column and each column's joined label."""

    top: int
    bottom: int
    label_col: int
    paths: list[str]  # per column: normalised labels of the block, top to bottom
    cells: list[list[Any]]  # per column: the raw header cells, top to bottom
    periods: list[Period | None]  # per column: a period named in its header, if any
    numbering: bool = False  # a row „1 2 3 …“ numbering the columns follows the block

    @property
    def first_data_row(self) -> int:
        return self.bottom + 1 + int(self.numbering)


def _row_label_hits(row: Row, groups: Sequence[Sequence[re.Pattern[str]]]) -> int:
    texts = [normalise(v) for v in row if isinstance(v, str) and v.strip()]
    return sum(1 for group in groups if any(matches(group, t) for t in texts))


def _is_plain_number(value: Any) -> bool:
    """A number that is not a period: what a data row has and a header row has not."""
    if isinstance(value, bool) or value is None:
        return False
    if isinstance(value, int | float):
        return header_period(value) is None
    if isinstance(value, str) and value.strip() and header_period(value) is None:
        try:
            return parse_text_value(value).value is not None
        except ValueProblem:
            return False
    return False


def _first_filled(row: Row) -> int:
    return next((c for c, v in enumerate(row) if not is_empty(v)), len(row))


def _anchor_score(
    row: Row, groups: Sequence[Sequence[re.Pattern[str]]], leftmost: int
) -> tuple[int, bool, bool]:
    """Label hits of a candidate header row. A data row („Alleinerziehende“, 1.500, 120) has
    none; a row with several labels, or one label over the value columns, beats a title that
    names the same word from the sheet's left edge."""
    hits = _row_label_hits(row, groups)
    if not hits or any(_is_plain_number(v) for v in row):
        return (0, False, False)
    distinct = {display(v) for v in row if not is_empty(v)}
    return (hits, len(distinct) > 1, _first_filled(row) > leftmost)


def find_header(
    rows: Sequence[Row], groups: Sequence[Sequence[re.Pattern[str]]], scan: int = 80
) -> Header | None:
    """The header block whose labels match every group, found by label, never by position.

    The anchor is the row with the most label hits (a data row or a one-cell title naming the
    same word loses); stacked header rows above and below it (merged or blank in the label
    column, e.g. „Arbeitslose“ over „darunter Alleinerziehende“ over „Juni 2017“, or holding the
    label column's title while the anchor's is blank) join the block, up to four. Title rows
    above it do not: they carry other text in the label column, nothing right of it, or are
    separated by a blank row. A row numbering the columns („1 2 3 4“) under the block is skipped.
    """
    limit = min(len(rows), scan)
    leftmost = min((_first_filled(rows[r]) for r in range(limit)), default=0)
    best: tuple[int, tuple[int, bool, bool]] | None = None
    for r in range(limit):
        score = _anchor_score(rows[r], groups, leftmost)
        if score[0] and (best is None or score > best[1]):
            best = (r, score)
    if best is None:
        return None
    anchor = best[0]
    width = max((len(rows[r]) for r in range(anchor, min(len(rows), anchor + 8))), default=0)
    label_col = _label_column(rows, anchor, width)
    top = anchor
    while top - 1 >= 0 and anchor - (top - 1) < 4 and _stacked(rows[top - 1], rows[top], label_col):
        top -= 1
    bottom = anchor
    while (
        bottom + 1 < len(rows)
        and bottom + 1 - top < 4
        and _stacked(rows[bottom + 1], rows[bottom], label_col, below=True)
    ):
        bottom += 1
    block = [list(rows[r]) + [""] * (width - len(rows[r])) for r in range(top, bottom + 1)]
    _fill_right(block)
    cells = [[block[i][c] for i in range(len(block))] for c in range(width)]
    paths = [" ".join(p for p in (normalise(v) for v in col) if p) for col in cells]
    # one group per label: the block as a whole must carry all of them
    for group in groups:
        if not any(matches(group, path) for path in paths):
            return None
    periods = [_column_period(col) for col in cells]
    numbering = bottom + 1 < len(rows) and is_numbering_row(rows[bottom + 1])
    return Header(top, bottom, label_col, paths, cells, periods, numbering)


def is_numbering_row(row: Row) -> bool:
    """„1 2 3 4“ (or „(1) (2) …“) under a header: column numbers, not data."""
    numbers = []
    for v in row:
        if is_empty(v):
            continue
        text = display(v).strip("()[] ")
        if not text.isdigit():
            return False
        numbers.append(int(text))
    return (
        len(numbers) >= 3
        and numbers[0] in (0, 1)
        and all(b == a + 1 for a, b in zip(numbers, numbers[1:], strict=False))
    )


def _label_column(rows: Sequence[Row], anchor: int, width: int) -> int:
    for c in range(width):
        for r in range(anchor, min(len(rows), anchor + 8)):
            if c < len(rows[r]) and not is_empty(rows[r][c]):
                return c
    return 0


def _stacked(row: Row, neighbour: Row, label_col: int, below: bool = False) -> bool:
    """Is `row` another line of the header next to `neighbour`?"""
    if all(is_empty(v) for v in row):
        return False
    own = row[label_col] if label_col < len(row) else ""
    other = neighbour[label_col] if label_col < len(neighbour) else ""
    # the label column's own title may stand on any one line of the block
    if not (is_empty(own) or own == other or is_empty(other)):
        return False
    rest = row[label_col + 1 :]
    if not any(not is_empty(v) for v in rest):
        return False
    if below:
        # a data row has numbers that are not periods (serials and years are header cells)
        if any(_is_plain_number(v) for v in rest) or is_numbering_row(row):
            return False
        if not is_empty(own) and is_empty(other):
            # a row that brings the label column's title must look like a header line: a
            # period, or several labels; not a data row whose values are all empty
            texts = [v for v in rest if not is_empty(v)]
            if not any(header_period(v) is not None for v in texts) and len(texts) < 2:
                return False
    return True


def _fill_right(block: list[list[Any]]) -> None:
    """A group label over several columns without a merge („Vermittlungen“ over three)."""
    for i in range(len(block) - 1):
        row, below = block[i], block[i + 1]
        current: Any = ""
        for c in range(len(row)):
            if not is_empty(row[c]):
                current = row[c]
            elif not is_empty(current) and not is_empty(below[c]) and c > 0:
                row[c] = current


def _column_period(cells: Sequence[Any]) -> Period | None:
    """The period a column's header names; the lowest line is the most specific."""
    year: Period | None = None
    for value in reversed(cells):
        if is_empty(value):
            continue
        period = header_period(value)
        if period is None:
            continue
        if period.kind != "year":
            return period
        year = year or period
    return year


def row_text(row: Row) -> str:
    """The first non-empty cell of a row, normalised (footers are recognised by it)."""
    for v in row:
        if not is_empty(v):
            return normalise(v)
    return ""
