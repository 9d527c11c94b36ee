"""German text read once: numbers, statistical symbols, periods, dates, and names folded for matching.

Every way into the product (value files, the catalogue workbook and YAML, the entry form and
upload, the measure page's editing, /bezirke, the command line, the API) reads through this
module, so the same text means the same value wherever it was typed. Writing German numbers,
dates and quarters lives beside it in `formatting.py` and `periods.py`; the rules are stated
once in docs/reading.md.

The reading rules for numbers, in order (the first that fits decides):
1. „1.234“, „1.234.567“, „1.234,5“: dots that group three digits after a first group of one to
   three digits (not starting with 0) are German thousands separators; a comma is the decimal
   sign.
2. „1 234“, „1 234,5“, „1'234“: a space (also no-break and thin) or an apostrophe groups thousands.
3. „5,9“, „,5“, „12“: a lone comma is the decimal sign — so „1,000“ is one, never a thousand.
4. „0.5“, „1.5“, „12.50“, „0.500“: a single dot that cannot be a German thousands group (not
   exactly three digits after it, or a first group of 0) is a decimal point.
5. „1,234,567“ and „1,234.5“: commas that group thousands before a decimal point (or twice)
   are read as the English form; they have no German reading.
Anything else („1.23.4“, „1,2,3“, „12a“) is refused with a German message, never guessed.
Signs: „-12“, „−12“ (minus sign), „–12“ (dash), „+12“, „(12)“ and the trailing „12-“ of
accounting exports; „255.000,-“ is a whole amount. Units: „%“ (percent), „€“, „EUR“, „Euro“ before
or after the number.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, NamedTuple

from zielcockpit.domain.periods import MONTHS_DE, Period, PeriodError, excel_serial_to_date
from zielcockpit.domain.vocabulary import MILESTONE_CHOICE_TEXT, MILESTONE_INPUTS, SYMBOL_SPELLINGS

# -- folding names and labels -------------------------------------------------------------------

_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ẞ": "ss", "\u00ad": ""})


def fold(text: str) -> str:
    """Lower case with umlauts spelled out, so „Maßnahme“, „MASSNAHME“ and „Massnahme“ meet.

    Composed first (NFC): files written on a Mac spell „ä“ as „a“ and a combining diaeresis."""
    return unicodedata.normalize("NFC", text).lower().translate(_FOLD)


_SPACE = re.compile(r"\s+")


def fold_name(text: str) -> str:
    """A name as it is compared (places, units, profiles, choices): folded, spaces collapsed."""
    return _SPACE.sub(" ", fold(text)).strip()


# -- month words -----------------------------------------------------------------------------------


def _month_words() -> dict[str, int]:
    words: dict[str, int] = {}
    for number, name in enumerate(MONTHS_DE, start=1):
        words[fold(name)] = number  # „Juni“, „März“ -> „maerz“
        words[fold(name[:3])] = number  # „Jun“, „Mär“ -> „maer“, „Dez“
    # The other spellings German and Austrian offices write („Mrz“ is DIN 5008's short form).
    words.update(
        {
            "jaenner": 1,
            "jaen": 1,
            "feber": 2,
            "mrz": 3,
            "mar": 3,
            "marz": 3,  # „März“ without its umlaut dots
            "sept": 9,
        }
    )
    return words


MONTH_WORDS: dict[str, int] = _month_words()
_MONTH_ALT = "|".join(sorted(MONTH_WORDS, key=len, reverse=True))


# -- numbers -------------------------------------------------------------------------------------


class NumberError(ValueError):
    """Text that no reading rule turns into a number; the message is German."""


GERMAN = "de"
ENGLISH = "en"

NUMBER_EXAMPLES = "z. B. 1.234, 5,9, 12,5 % oder 250.000 €"


class Number(NamedTuple):
    """A number read from text: its exact value, whether it was written as a percentage, and
    which convention its separators show (GERMAN, ENGLISH, or None for bare digits)."""

    value: Decimal
    percent: bool = False
    convention: str | None = None


_GROUPED_DOTS = re.compile(r"[1-9]\d{0,2}(?:\.\d{3})+(?:,\d+)?")
_GROUPED_SPACES = re.compile(r"[1-9]\d{0,2}(?:[ '’]\d{3})+(?:,\d+)?")
_DECIMAL_COMMA = re.compile(r"\d*,\d+")
_DIGITS = re.compile(r"\d+")
_DECIMAL_POINT = re.compile(r"\d*\.\d+")
_ENGLISH_GROUPS = re.compile(
    r"[1-9]\d{0,2}(?:,\d{3}){2,}(?:\.\d+)?|[1-9]\d{0,2}(?:,\d{3})+\.\d+|[1-9]\d{0,2}(?:[ '’]\d{3})+\.\d+"
)
_UNIT_BEFORE = re.compile(r"^(€|eur|euro)\s*", re.IGNORECASE)
_UNIT_AFTER = re.compile(r"\s*(%|€|eur|euro)$", re.IGNORECASE)
_WHOLE_AMOUNT = re.compile(r",\s*[-–]$")  # „255.000,-“
_SPACES = str.maketrans({"\u00a0": " ", "\u2009": " ", "\u202f": " ", "\u2007": " "})
_MINUS = ("-", "−", "–", "—")


def read_number_text(text: str) -> Number:
    """Read a number written as text by the rules above; raise NumberError otherwise."""
    return _read_number(str(text))


MAX_NUMBER_TEXT = 64  # longer text is no number: bounded work and cache for hostile cells


@lru_cache(maxsize=65536)
def _read_number(text: str) -> Number:
    if len(text) > MAX_NUMBER_TEXT:
        raise NumberError(f"„{text.strip()[:20]}…“ ist zu lang für eine Zahl ({NUMBER_EXAMPLES}).")
    cleaned = _SPACE.sub(" ", text.translate(_SPACES)).strip()
    percent = False
    while True:  # units on either side, in any order: „€ 1.234“, „12,5 %“
        if found := _UNIT_AFTER.search(cleaned):
            percent = percent or found.group(1) == "%"
            cleaned = cleaned[: found.start()].rstrip()
        elif found := _UNIT_BEFORE.search(cleaned):
            cleaned = cleaned[found.end() :].lstrip()
        else:
            break
    negative = False
    if cleaned.startswith("(") and cleaned.endswith(")"):
        negative, cleaned = True, cleaned[1:-1].strip()
        if cleaned[:1] in _MINUS or cleaned[:1] == "+":
            raise NumberError(_not_a_number(text))  # „(-12)“: two signs
    elif cleaned[:1] in _MINUS:
        negative, cleaned = True, cleaned[1:].lstrip()
    elif cleaned[:1] == "+":
        cleaned = cleaned[1:].lstrip()
    elif len(cleaned) > 1 and cleaned[-1] in _MINUS and cleaned[-2] != ",":
        negative, cleaned = True, cleaned[:-1].rstrip()  # „1.234,00-“ of accounting exports
    cleaned = _WHOLE_AMOUNT.sub("", cleaned)
    body, convention = _body(cleaned)
    if body is None:
        raise NumberError(_not_a_number(text))
    try:
        value = Decimal(body)
    except InvalidOperation:
        raise NumberError(_not_a_number(text)) from None
    return Number(-value if negative else value, percent, convention)


def _body(text: str) -> tuple[str | None, str | None]:
    """The digits of a number in Python's notation and the convention its separators show."""
    if _DIGITS.fullmatch(text):
        return text, None
    if _GROUPED_DOTS.fullmatch(text):
        return text.replace(".", "").replace(",", "."), GERMAN
    if _GROUPED_SPACES.fullmatch(text):
        plain = text.replace(" ", "").replace("'", "").replace("’", "")
        return plain.replace(",", "."), (GERMAN if "," in text else None)
    if _DECIMAL_COMMA.fullmatch(text):
        return text.replace(",", "."), GERMAN
    if _DECIMAL_POINT.fullmatch(text):
        return text, ENGLISH
    if _ENGLISH_GROUPS.fullmatch(text):
        return re.sub(r"[ ,'’]", "", text), ENGLISH
    return None, None


def _not_a_number(text: str) -> str:
    return f"„{str(text).strip()}“ ist keine Zahl ({NUMBER_EXAMPLES})."


def read_number(text: Any) -> Decimal:
    """A number typed or stored anywhere: numbers stay as they are, text is read by the rules
    above (a percent sign is allowed and dropped). Raises NumberError with a German message."""
    if isinstance(text, bool):
        raise NumberError(f"„{text}“ ist keine Zahl ({NUMBER_EXAMPLES}).")
    if isinstance(text, Decimal):
        if not text.is_finite():
            raise NumberError(f"„{text}“ ist keine Zahl ({NUMBER_EXAMPLES}).")
        return text
    if isinstance(text, int):
        return Decimal(text)
    if isinstance(text, float):
        if text != text or text in (float("inf"), float("-inf")):
            raise NumberError(f"„{text}“ ist keine Zahl ({NUMBER_EXAMPLES}).")
        return Decimal(repr(text))
    return read_number_text(text).value


def plain_number(value: Decimal) -> int | float:
    """A read number for JSON, YAML and the catalogue's data: whole numbers as int."""
    normal = value.normalize()
    return int(normal) if normal == normal.to_integral_value() else float(normal)


# -- cell values: a number, a statistical symbol or a milestone state ------------------------------

FOUR = Decimal("0.0001")
_INF = float("inf")


class ValueProblem(ValueError):
    """A cell that holds no readable value; the message (German) says what was expected."""


class CellValue(NamedTuple):
    """What one cell says: a number, a statistical symbol or a milestone state."""

    value: Decimal | None = None
    symbol: str | None = None
    status: str | None = None
    percent: bool = False  # written or formatted as a percentage

    @property
    def key(self) -> tuple[Decimal | None, str | None, str | None]:
        return (self.value, self.symbol, self.status)


EXPECTED_VALUE = (
    "erwartet eine Zahl (z. B. 1.234 oder 5,9), ein Zeichen der Statistik (*, -, x, ., ...) "
    f"oder bei Meilensteinen {MILESTONE_CHOICE_TEXT}"
)


def to_decimal(number: float | int | Decimal) -> Decimal:
    """A value as it is stored: four decimal places, rounded half up."""
    if isinstance(number, Decimal):
        return number.quantize(FOUR, rounding=ROUND_HALF_UP)
    if isinstance(number, int):
        return Decimal(number)
    return Decimal(repr(number)).quantize(FOUR, rounding=ROUND_HALF_UP)


def parse_value(
    raw: Any, *, percent_format: bool = False, symbols: dict[str, str] | None = None
) -> CellValue:
    """Read one cell or field; raise ValueProblem for anything that is not a value. Never 0 for a
    symbol."""
    if raw.__class__ is float and not percent_format and raw == raw and abs(raw) != _INF:
        return float_value(raw)
    if isinstance(raw, bool):
        raise ValueProblem(f"Wahrheitswert statt Zahl: {EXPECTED_VALUE}")
    if isinstance(raw, int | float | Decimal):
        if raw != raw or raw in (_INF, -_INF):  # NaN and infinity
            raise ValueProblem(f"keine Zahl: {EXPECTED_VALUE}")
        if percent_format:
            return CellValue(to_decimal(Decimal(repr(float(raw))) * 100), percent=True)
        return CellValue(to_decimal(raw))
    if isinstance(raw, dt.date | dt.time | dt.timedelta):
        raise ValueProblem(f"Datum statt Zahl: {EXPECTED_VALUE}")
    return _parse_text(str(raw), symbols)


@lru_cache(maxsize=65536)
def float_value(raw: float) -> CellValue:
    """A finite float cell as a value (cached: numbers repeat in large files)."""
    return CellValue(Decimal(repr(raw)).quantize(FOUR, rounding=ROUND_HALF_UP))


@lru_cache(maxsize=65536)
def _parse_text_cached(text: str) -> CellValue:
    return _parse_text(text, None)


def _parse_text(text: str, symbols: dict[str, str] | None) -> CellValue:
    cleaned = text.translate(_SPACES).strip()
    table = SYMBOL_SPELLINGS if symbols is None else symbols
    if cleaned.lower() in table:
        return CellValue(symbol=table[cleaned.lower()])
    if cleaned in table:
        return CellValue(symbol=table[cleaned])
    word = fold(_SPACE.sub(" ", cleaned))
    if word in MILESTONE_INPUTS:
        return CellValue(status=MILESTONE_INPUTS[word])
    try:
        number = _read_number(cleaned)
    except NumberError:
        raise ValueProblem(f"Text statt Zahl: {EXPECTED_VALUE}") from None
    return CellValue(to_decimal(number.value), percent=number.percent)


def parse_text_value(text: str) -> CellValue:
    """The cached path for the common case (no profile-specific symbols)."""
    return _parse_text_cached(text)


# -- periods in free text, headers and cells --------------------------------------------------------

_YEAR = r"(\d{4}|\d{2})"
_QUARTER_WORD = r"(?:quartal|qu\.?|vj\.?|vierteljahr|vierteljahres)"
_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
_PERIOD_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(rf"(?<![\d.])([1-4])\.?\s*{_QUARTER_WORD}\s*{_YEAR}(?!\d|[.,]\d)"), "qy"),
    (re.compile(rf"(?<![a-z])(iv|i{{1,3}})\.?\s*{_QUARTER_WORD}\s*{_YEAR}(?!\d|[.,]\d)"), "ry"),
    (re.compile(rf"(?<![a-z0-9])q\s*([1-4])\s*[/ .-]?\s*['’]?{_YEAR}(?!\d|[.,]\d)"), "qy"),
    (re.compile(r"(?<![\d.])(\d{4})\s*[-/ ]?\s*q\s*([1-4])(?![a-z0-9])"), "yq"),
    (re.compile(rf"(?<![a-z])({_MONTH_ALT})\.?\s*[-/ ]?\s*['’]?\s*{_YEAR}(?!\d|[.,:]\d)"), "my"),
    (re.compile(r"(?<![\d.])(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4}|\d{2})(?!\d|[.,:]\d)"), "dmy"),
    (re.compile(r"(?<![\d/.])(0?[1-9]|1[0-2])\s*[/.]\s*(\d{4})(?!\d|[.,]\d)"), "mny"),
    (re.compile(r"(?<![\d.])(\d{4})\s*[-/.]\s*(0[1-9]|1[0-2])(?![\d.-])"), "ymn"),
    (re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)"), "iso"),
)


def _year(text: str) -> int:
    year = int(text)
    return year + 2000 if len(text) == 2 else year


def _period_of(found: re.Match[str], form: str) -> Period:
    g = found.groups()
    if form == "qy":
        return Period(_year(g[1]), quarter=int(g[0]))
    if form == "ry":
        return Period(_year(g[1]), quarter=_ROMAN[g[0]])
    if form == "yq":
        return Period(int(g[0]), quarter=int(g[1]))
    if form == "my":
        return Period(_year(g[1]), month=MONTH_WORDS[g[0]])
    if form == "dmy":
        return Period.of_date(dt.date(_year(g[2]), int(g[1]), int(g[0])))
    if form == "mny":
        return Period(int(g[1]), month=int(g[0]))
    if form == "ymn":
        return Period(int(g[0]), month=int(g[1]))
    return Period.of_date(dt.date(int(g[0]), int(g[1]), int(g[2])))


@lru_cache(maxsize=16384)
def _find(folded: str) -> tuple[int, int, Period] | None:
    """The first period in a folded text whose spaces are collapsed (one space at most between
    words keeps the patterns' optional spaces from backtracking on hostile runs of blanks)."""
    best: tuple[int, int, Period] | None = None
    for pattern, form in _PERIOD_PATTERNS:
        for found in pattern.finditer(folded):
            try:
                period = _period_of(found, form)
            except (PeriodError, ValueError):
                continue
            if best is None or found.start() < best[0]:
                best = (found.start(), found.end(), period)
            break
    return best


def find_period(text: str) -> Period | None:
    """The first period written anywhere in a text: „Berichtsmonat: Juni 2017“ -> 2017-06;
    underscores of file names count as spaces."""
    found = _find(_SPACE.sub(" ", fold(text).replace("_", " ")))
    return None if found is None else found[2]


def period_span(folded: str) -> tuple[int, int] | None:
    """Where the first period stands in a folded text with collapsed spaces (start, end):
    „berichtsmonat: juni 2017“ -> (15, 24), so the words before it can be its label."""
    found = _find(_SPACE.sub(" ", folded))
    return None if found is None else (found[0], found[1])


def header_period(value: Any) -> Period | None:
    """A period in a header cell: a date, an Excel date serial, a year, or text naming a period."""
    if isinstance(value, dt.datetime):
        return Period.of_date(value.date())
    if isinstance(value, dt.date):
        return Period.of_date(value)
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        if 20000 <= value <= 80000 and float(value).is_integer():
            return Period.of_date(excel_serial_to_date(float(value)))
        if 1990 <= value <= 2100 and float(value).is_integer():
            return Period(int(value))
        return None
    if isinstance(value, str):
        text = value.strip()
        if re.fullmatch(r"\d{5}(\.0+)?", text):
            return header_period(float(text))
        if re.fullmatch(r"\d{4}", text):
            return header_period(int(text))
        return find_period(text)
    return None


_BARE_QUARTER = re.compile(
    rf"([1-4])|(?:q\s*([1-4]))|(?:([1-4])\.?\s*{_QUARTER_WORD})|(?:(iv|i{{1,3}})\.?\s*{_QUARTER_WORD})"
    r"|(?:quartal\s*([1-4]))"
)


@lru_cache(maxsize=4096)
def _cell_period_text(text: str, default_year: int | None) -> Period:
    cleaned = _SPACE.sub(" ", text).strip()
    folded = fold(cleaned).rstrip(".").strip()
    if re.fullmatch(r"\d{4}|\d{5}(\.0+)?", folded):
        found = header_period(folded)
        if found is not None:
            return found
    whole = _find(folded)
    if whole is not None and not (folded[: whole[0]] + folded[whole[1] :]).strip(" .,:"):
        return whole[2]  # the text is only the period (not „Juni 2017 bis August 2017“)
    if default_year is not None:
        if m := _BARE_QUARTER.fullmatch(folded):
            number = next(g for g in m.groups() if g)
            return Period(default_year, quarter=_ROMAN.get(number) or int(number))
        month = MONTH_WORDS.get(folded)
        if month is not None:
            return Period(default_year, month=month)
    if whole is not None:
        return whole[2]
    raise PeriodError(
        f"Zeitraum „{cleaned}“ nicht verstanden. Erlaubt: {ACCEPTED_LOOSE_FORMS}"
        + (
            ""
            if default_year is None
            else f"; ein Monat oder Quartal ohne Jahr gilt für {default_year}"
        )
        + "."
    )


MAX_PERIOD_TEXT = 200
ACCEPTED_LOOSE_FORMS = (
    "„Juni 2017“, „Jun 2017“, „Mär 2017“, „Jänner 2017“, „Dez 17“, „Jun-17“, „06/2017“, "
    "„2017-06“, „2. Quartal 2017“, „II. Quartal 2017“, „Q2/2017“, „2017-Q2“, „2017“, "
    "ein Datum wie 30.06.2017 oder ein Excel-Datum"
)


def read_period(value: Any, default_year: int | None = None) -> Period:
    """A period in a data cell or field, in any form real files use (see ACCEPTED_LOOSE_FORMS);
    a bare „Q2“, „2. Quartal“ or „Juni“ takes default_year (the year of the sheet's title, name
    or file). Raises PeriodError with a German message."""
    if isinstance(value, dt.datetime | dt.date) or (
        isinstance(value, int | float) and not isinstance(value, bool)
    ):
        found = header_period(value)
        if found is None:
            raise PeriodError(
                f"Zeitraum „{value}“ nicht verstanden. Erlaubt: {ACCEPTED_LOOSE_FORMS}."
            )
        return found
    text = str(value)
    if len(text) > MAX_PERIOD_TEXT:  # no period is that long: bounded work and cache
        raise PeriodError(f"Zeitraum „{text.strip()[:20]}…“ nicht verstanden: zu lang.")
    return _cell_period_text(text, default_year)


_YEAR_IN_TEXT = re.compile(r"(?<!\d)(?<!\d[.,])(19[89]\d|20\d\d)(?!\d|[.,]\d)")


def find_year(text: str) -> int | None:
    """A year written alone in a title, a sheet's name or a file's name („REKOM 2017“)."""
    found = find_period(text)
    if found is not None:
        return found.year
    m = _YEAR_IN_TEXT.search(text.replace("_", " "))
    return None if m is None else int(m.group(1))


# -- dates -----------------------------------------------------------------------------------------


class DateError(ValueError):
    """Text that is not a date; the message is German."""


DATE_EXAMPLES = "z. B. 31.12.2017, 31.12.17 oder 2017-12-31"
_GERMAN_DATE = re.compile(r"(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4}|\d{2})")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_TIME = re.compile(r"(?:[ t]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:z|[+-]\d{2}:?\d{2})?")


def read_date(value: Any) -> dt.date:
    """A date typed or in a cell: a date cell, an Excel date serial, „31.12.2017“, „31.12.17“,
    „2017-12-31“ (a time of day after it is ignored). Raises DateError with a German message."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 20000 <= value <= 80000 and float(value).is_integer():
            return excel_serial_to_date(float(value))
        raise DateError(f"„{value}“ ist kein Datum ({DATE_EXAMPLES}).")
    return _read_date_text(str(value))


@lru_cache(maxsize=4096)
def _read_date_text(text: str) -> dt.date:
    cleaned = text.strip().lower()
    for pattern, order in ((_GERMAN_DATE, (3, 2, 1)), (_ISO_DATE, (1, 2, 3))):
        m = pattern.match(cleaned)
        if m is None or not _TIME.fullmatch(cleaned[m.end() :]):
            continue
        year, month, day = (m.group(i) for i in order)
        try:
            return dt.date(_year(year), int(month), int(day))
        except ValueError:
            raise DateError(f"„{text.strip()}“: diesen Tag gibt es nicht.") from None
    if re.fullmatch(r"\d{5}(\.0+)?", cleaned):
        return read_date(float(cleaned))
    raise DateError(f"„{text.strip()}“ ist kein Datum ({DATE_EXAMPLES}).")


def read_optional_date(value: Any) -> dt.date | None:
    """Empty text or None is no date; anything else as read_date."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return read_date(value)


def number_convention(text: str) -> str | None:
    """GERMAN or ENGLISH when a number's separators show its convention; None otherwise."""
    try:
        return _read_number(text).convention
    except NumberError:
        return None


class ConventionWatch:
    """Remembers where a file first writes a number in each convention: two conventions in one
    file („1,5“ beside „1,234.5“) make its „1,000“ ambiguous (one, or a thousand), and the
    import refuses it rather than guess."""

    def __init__(self) -> None:
        self.first: dict[str, Any] = {}

    def see(self, text: str, where: Any) -> None:
        if len(self.first) < 2 and ("," in text or "." in text):
            convention = number_convention(text)
            if convention is not None:
                self.first.setdefault(convention, where)

    @property
    def mixed(self) -> tuple[Any, Any] | None:
        """(where German was first seen, where English was first seen), or None."""
        if GERMAN in self.first and ENGLISH in self.first:
            return self.first[GERMAN], self.first[ENGLISH]
        return None
