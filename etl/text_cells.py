"""Text stays text in every workbook the product writes with openpyxl.

openpyxl takes a str beginning with "=" for a formula: an indicator name typed as
`=HYPERLINK("http://…";"Klick")` would reach the controller's Excel as a live formula, and the
round trip would no longer give back the text. (XlsxWriter workbooks, app/xlsx.py, are opened
with `strings_to_formulas: False` and write every str as a shared string.)
"""

from __future__ import annotations

from openpyxl import Workbook

# What Excel (or a CSV opened in it) reads as the start of a formula when the cell is edited.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def keep_text(wb: Workbook) -> None:
    """Every str cell of `wb` written as text; one that looks like a formula also with Excel's
    quote prefix (the leading apostrophe), so editing it in Excel keeps it text too."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                value = cell.value
                if value.__class__ is str and value.startswith(FORMULA_STARTS):
                    cell.data_type = "s"
                    cell.quotePrefix = True
