"""Workbooks for downloads, written with XlsxWriter (pure: rows in, bytes out).

XlsxWriter writes the 60,000 cells of a 5,000-measure plan in a fraction of openpyxl's time,
which matters for a download button; openpyxl stays the reader and the template writer.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from math import isinf, isnan
from typing import Any

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_COLUMNS = 16384
# Control characters are not allowed in XML, so not in a cell (translate: fast per cell).
_CONTROL = dict.fromkeys([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
_HAS_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_BAD_SHEET_CHARS = set("[]:*?/\\")
DATE = "date"  # the format key of date cells (dd.mm.yyyy)
_STRMAX = 32767  # UTF-16 units in one cell


@dataclass
class Sheet:
    """One worksheet: rows of text or numbers; `fills` colours single cells (row, column)."""

    title: str
    rows: Sequence[Sequence[Any]]  # text, numbers, None for an empty cell
    widths: Sequence[float] = ()
    bold_rows: frozenset[int] = frozenset({0})
    fills: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) -> "RRGGBB"
    freeze: tuple[int, int] | None = None  # (rows, columns) kept in view
    autofilter: bool = False


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA."""
    if not 0 <= index < MAX_COLUMNS:
        raise ValueError(f"Spalte {index + 1} gibt es in Excel nicht.")
    return str(xl_col_to_name(index))


def _check_title(title: str) -> None:
    if not title or len(title) > 31 or _BAD_SHEET_CHARS & set(title):
        raise ValueError(
            f"Blattname „{title}“ ist in Excel nicht erlaubt (1 bis 31 Zeichen, ohne []:*?/\\)."
        )


def new_book(buffer: io.BytesIO) -> tuple[Any, Callable[[bool, str | None], Any]]:
    """An in-memory workbook that keeps every text as text, and its cell formats by (bold, fill):
    a fill colour "RRGGBB" or DATE (dd.mm.yyyy, the German way)."""
    book = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    formats: dict[tuple[bool, str | None], Any] = {}

    def fmt(is_bold: bool, fill: str | None) -> Any:
        key = (is_bold, fill)
        if key not in formats:
            spec: dict[str, Any] = {"bold": is_bold}
            if fill == DATE:
                spec.update(num_format="dd.mm.yyyy")
            elif fill:
                spec.update(pattern=1, bg_color=f"#{fill}")
            formats[key] = book.add_format(spec)
        return formats[key]

    return book, fmt


def workbook(sheets: Sequence[Sheet]) -> bytes:
    for sheet in sheets:
        _check_title(sheet.title)
    buffer = io.BytesIO()
    book, fmt = new_book(buffer)
    for sheet in sheets:
        ws = book.add_worksheet(sheet.title, worksheet_class=_RowsWorksheet)
        set_widths(ws, sheet)
        ws.put_rows(sheet.rows, sheet.bold_rows, sheet.fills, fmt)
        set_panes_and_filter(ws, sheet)
    book.close()
    return buffer.getvalue()


def set_widths(ws: Any, sheet: Sheet) -> None:
    for col, width in enumerate(sheet.widths):
        ws.set_column(col, col, width)


def set_panes_and_filter(ws: Any, sheet: Sheet) -> None:
    """Frozen rows/columns and the autofilter over every row and the widest row's columns."""
    if sheet.freeze:
        ws.freeze_panes(*sheet.freeze)
    width = max((len(row) for row in sheet.rows), default=0)
    if sheet.autofilter and sheet.rows and width:
        ws.autofilter(0, 0, len(sheet.rows) - 1, width - 1)


class _RowsWorksheet(Worksheet):
    """A worksheet that takes all its rows at once and writes their cells as ready XML.

    Cell by cell through `write_string`, XlsxWriter spends some 15 µs on each cell (a decorator,
    a tuple stored in a dict of dicts, then per cell an attribute list, escaping and a file
    write at `close`): most of a second for the 60,000 cells of a 5,000-measure export. Here a
    cell is one f-string, with the XML XlsxWriter writes for it (the same shared-string and
    style indices, row spans and dimensions: tests/app/test_dash_xlsx.py compares the files part
    by part). Everything else, styles, shared strings, columns, panes, autofilter and the zip,
    stays XlsxWriter's. Its internals used here (`_write_rows`, `str_table`, `fh`,
    `_check_dimensions`, `_get_xf_index`, `_convert_date_time`) are checked by that test.
    """

    _cells_xml: str | None = None

    def put_rows(
        self,
        rows: Sequence[Sequence[Any]],
        bold_rows: frozenset[int],
        fills: dict[tuple[int, int], str],
        fmt: Callable[[bool, str | None], Any],
    ) -> None:
        """Keep the XML of every cell; `None` leaves a cell empty (texts, numbers, dates)."""
        self._fmt = fmt
        self._styles: dict[tuple[bool, str | None], str] = {}
        by_row: dict[int, dict[int, str]] = {}
        for (r, c), fill in fills.items():
            by_row.setdefault(r, {})[c] = fill
        width = min(max((len(row) for row in rows), default=0), self.xls_colmax)
        letters = [xl_col_to_name(c) for c in range(width)]
        lines = []  # row, first and last column, cells
        for r, row in enumerate(rows[: self.xls_rowmax]):
            cells = self._row_cells(r, row[:width], r in bold_rows, by_row.get(r), letters)
            if cells:  # a row without a cell is left out, as XlsxWriter leaves it out
                lines.append((r, *cells))
        if lines:
            self._keep(lines)

    def _style(self, is_bold: bool, fill: str | None) -> str:
        """' s="3"' for a formatted cell, "" for a plain one; the index is taken at the first
        use, in the order XlsxWriter takes it while it writes the cells."""
        key = (is_bold, fill)
        if key not in self._styles:
            cell_format = self._fmt(is_bold, fill) if (is_bold or fill) else None
            self._styles[key] = f' s="{cell_format._get_xf_index()}"' if cell_format else ""
        return self._styles[key]

    def _row_cells(
        self,
        r: int,
        row: Sequence[Any],
        is_bold: bool,
        fills: dict[int, str] | None,
        letters: list[str],
    ) -> tuple[int, int, str] | None:
        """The first and last column with a value and the XML of the row's cells."""
        shared = self.str_table._get_shared_string_index
        line = str(r + 1)
        plain = self._style(is_bold, None)
        cells: list[str] = []
        first = last = -1
        for c, value in enumerate(row):
            if value is None:
                continue
            if first < 0:
                first = c
            last = c
            s = self._style(is_bold, fills[c]) if fills and c in fills else plain
            if value.__class__ is str:  # nearly every cell: the short way
                # Most texts hold no control character at all: `isprintable` (in C) says so
                # without building a copy; it is also false for a no-break space, so a search
                # (in C as well) decides before the slow `translate`.
                if not value.isprintable() and _HAS_CONTROL.search(value):
                    value = value.translate(_CONTROL)
                if len(value) > _STRMAX // 2:
                    value = _excel_length(value)
                cells.append(f'<c r="{letters[c]}{line}"{s} t="s"><v>{shared(value)}</v></c>')
            elif isinstance(value, dt.date):
                day = self._convert_date_time(dt.datetime(value.year, value.month, value.day))
                s = self._style(is_bold, DATE)
                cells.append(f'<c r="{letters[c]}{line}"{s}><v>{day:.16G}</v></c>')
            else:
                cells.append(self._other_cell(f"{letters[c]}{line}", value, s))
        return (first, last, "".join(cells)) if cells else None

    def _keep(self, lines: list[tuple[int, int, int, str]]) -> None:
        """The dimensions, and the rows with the `spans` XlsxWriter gives them."""
        self._check_dimensions(lines[0][0], min(first for _, first, _, _ in lines))
        self._check_dimensions(lines[-1][0], max(last for _, _, last, _ in lines))
        # Each block of 16 rows shares one `spans` attribute: its first to its last column.
        bounds: dict[int, tuple[int, int]] = {}
        for r, first, last, _ in lines:
            low, high = bounds.get(r // 16, (first, last))
            bounds[r // 16] = (min(low, first), max(high, last))
        spans = {block: f"{low + 1}:{high + 1}" for block, (low, high) in bounds.items()}
        self._cells_xml = "".join(
            f'<row r="{r + 1}" spans="{spans[r // 16]}">{cells}</row>' for r, _, _, cells in lines
        )

    def _other_cell(self, ref: str, value: Any, s: str) -> str:
        """The XML of a cell that is neither a plain `str` nor a date: a number or other value."""
        if isinstance(value, str):
            text = _excel_length(value.translate(_CONTROL))
        elif isinstance(value, bool) or not isinstance(value, int | float):
            text = _excel_length(str(value).translate(_CONTROL))
        else:
            if isnan(value) or isinf(value):
                # XlsxWriter's own refusal (no `nan_inf_to_errors`), as before.
                raise TypeError(
                    "NAN/INF not supported in write_number() "
                    "without 'nan_inf_to_errors' Workbook() option"
                )
            return f'<c r="{ref}"{s}><v>{value:.16G}</v></c>'
        index = self.str_table._get_shared_string_index(text)
        return f'<c r="{ref}"{s} t="s"><v>{index}</v></c>'

    def _write_rows(self) -> None:
        if self._cells_xml is None:
            super()._write_rows()
        else:
            self.fh.write(self._cells_xml)


def _excel_length(text: str) -> str:
    """At most the 32,767 UTF-16 units a cell holds, cut as XlsxWriter cuts it."""
    if len(text) <= _STRMAX // 2 or len(text.encode("utf-16-le", "surrogatepass")) // 2 <= _STRMAX:
        return text
    length = 0
    for index, char in enumerate(text):
        length += 2 if ord(char) > 0xFFFF else 1
        if length > _STRMAX:
            return text[:index]
    return text
