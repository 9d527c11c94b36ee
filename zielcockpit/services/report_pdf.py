"""The committee report's PDF: the Typst template with the report's data, as tagged PDF/UA-1 and
PDF/A-2a (Typst, the `typst` wheel: no system libraries, no browser).

The data goes in as one JSON string (`sys.inputs.data`), never as Typst source. The one font is
DejaVu Sans from the repository (`zielcockpit/report/fonts`); the system's fonts and those inside
the wheel are left out, and the template imports no package, so nothing is read from outside.
PDF/A and PDF/UA forbid a character the fonts cannot draw, so such a character (a Chinese one,
say, or a control character) is replaced by „�“ before the data goes in.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import struct
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

TEMPLATE_DIR = Path(__file__).resolve().parent.parent / "report"
TEMPLATE = TEMPLATE_DIR / "bericht.typ"
FONT_DIR = TEMPLATE_DIR / "fonts"
# PDF/UA-1 (accessible: tags, language, title) and PDF/A-2a (archivable and tagged) hold
# together; PDF/A-4 needs PDF 2.0, which PDF/UA-1 does not allow.
PDF_STANDARDS = ["a-2a", "ua-1"]
REPLACEMENT = "\ufffd"


class ReportRenderError(RuntimeError):
    """The template could not be set (a fault of the template, never of the data)."""


# -- which characters the fonts can draw -------------------------------------------------------


def font_codepoints(path: Path) -> frozenset[int]:
    """The characters a TrueType font maps to a glyph (its `cmap`, format 12 or 4)."""
    data = path.read_bytes()
    (num_tables,) = struct.unpack_from(">H", data, 4)
    tables = {
        data[12 + 16 * i : 16 + 16 * i]: struct.unpack_from(">I", data, 20 + 16 * i)[0]
        for i in range(num_tables)
    }
    cmap = tables[b"cmap"]
    (count,) = struct.unpack_from(">H", data, cmap + 2)
    subtables = {}
    for i in range(count):
        platform, encoding, offset = struct.unpack_from(">HHI", data, cmap + 4 + 8 * i)
        subtables[(platform, encoding)] = cmap + offset
    found: set[int] = set()
    if (3, 10) in subtables:  # Unicode, all planes
        at = subtables[(3, 10)]
        (groups,) = struct.unpack_from(">I", data, at + 12)
        for g in range(groups):
            start, end, glyph = struct.unpack_from(">III", data, at + 16 + 12 * g)
            found.update(range(start + (glyph == 0), end + 1))
        return frozenset(found)
    at = subtables[(3, 1)]  # Unicode, the basic plane
    (seg2,) = struct.unpack_from(">H", data, at + 6)
    ends = struct.unpack_from(f">{seg2 // 2}H", data, at + 14)
    starts = struct.unpack_from(f">{seg2 // 2}H", data, at + 16 + seg2)
    deltas = struct.unpack_from(f">{seg2 // 2}h", data, at + 16 + 2 * seg2)
    range_at = at + 16 + 3 * seg2
    offsets = struct.unpack_from(f">{seg2 // 2}H", data, range_at)
    for k, (start, end) in enumerate(zip(starts, ends, strict=True)):
        for c in range(start, end + 1):
            if c == 0xFFFF:
                continue
            if offsets[k] == 0:
                glyph = (c + deltas[k]) & 0xFFFF
            else:
                where = range_at + 2 * k + offsets[k] + 2 * (c - start)
                (glyph,) = struct.unpack_from(">H", data, where)
                glyph = (glyph + deltas[k]) & 0xFFFF if glyph else 0
            if glyph:
                found.add(c)
    return frozenset(found)


@cache
def drawable() -> frozenset[int]:
    """Characters every shipped font can draw (a bold title uses the bold font)."""
    sets = [font_codepoints(p) for p in sorted(FONT_DIR.glob("*.ttf"))]
    return frozenset.intersection(*sets)


@cache
def _undrawable() -> re.Pattern[str]:
    """One character the fonts cannot draw: outside their ranges, not a line break and not a
    format character (joiners, marks of direction: Typst draws nothing for them)."""
    allowed = set(drawable()) | {ord("\n")}
    planes = (*range(0x20000), *range(0xE0000, 0xE1000))  # where Unicode has format characters
    allowed |= {c for c in planes if unicodedata.category(chr(c)) == "Cf"}
    ranges: list[tuple[int, int]] = []
    for c in sorted(allowed):
        if ranges and ranges[-1][1] == c - 1:
            ranges[-1] = (ranges[-1][0], c)
        else:
            ranges.append((c, c))
    spans = "".join(
        re.escape(chr(a)) if a == b else f"{re.escape(chr(a))}-{re.escape(chr(b))}"
        for a, b in ranges
    )
    return re.compile(f"[^{spans}]")


def clean_text(text: str) -> str:
    """The text with tabs as spaces, line ends as „\\n“ and every character the fonts cannot
    draw (control characters included) as „�“."""
    if "\t" in text or "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _undrawable().sub(REPLACEMENT, text)


def clean(value: Any) -> Any:
    """Every string in the document cleaned (`clean_text`); dict keys are the template's own."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean(v) for v in value]
    return value


# -- setting the PDF ------------------------------------------------------------------------------

_NPAGES = re.compile(rb"<xmpTPg:NPages>(\d+)</xmpTPg:NPages>")


def page_count(pdf: bytes) -> int:
    """The pages of a PDF, from its metadata (PDF/A requires the XMP packet Typst writes)."""
    found = _NPAGES.search(pdf)
    if found is None:
        raise ReportRenderError("Die Seitenzahl des PDF ist nicht zu finden.")
    return int(found.group(1))


def render_pdf(document: dict[str, Any], created_at: dt.datetime) -> tuple[bytes, int]:
    """The PDF of a report document (`report_layout.report_document`) and its page count."""
    import typst  # imported here: only the report needs the typesetter

    data = json.dumps(clean(document), ensure_ascii=False, separators=(",", ":"))
    # Only the shipped fonts: neither the system's nor the ones inside the wheel (Typst's own
    # serif and math fonts), so `drawable()` is exactly what the template can use.
    fonts = typst.Fonts(
        include_system_fonts=False, include_embedded_fonts=False, font_paths=[str(FONT_DIR)]
    )
    try:
        pdf, warnings = typst.compile_with_warnings(
            str(TEMPLATE),
            root=str(TEMPLATE_DIR),
            font_paths=fonts,
            ignore_system_fonts=True,
            sys_inputs={"data": data},
            pdf_standards=PDF_STANDARDS,  # type: ignore[arg-type]
            timestamp=created_at.astimezone().replace(microsecond=0),
        )
    except typst.TypstError as exc:
        raise ReportRenderError(f"Typst: {exc.message} {exc.diagnostic}") from exc
    for warning in warnings:
        log.warning("Typst: %s", warning.message)
    return pdf, page_count(pdf)
