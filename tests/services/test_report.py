"""The committee report (PDF, Typst): read back with pdftotext, pdfinfo and pdffonts, its pages
rendered to PNG with pdftoppm.

Every measure of the plan is there with its light word and its sentence, every page carries
„Seite x von y“ and, for an unreleased quarter, the „Entwurf“ mark; a reopened quarter marks
what changed after its release; a report that cannot be made is refused in German. The PDF is
tagged PDF/UA-1 and PDF/A-2a (language, title, headings, tables with header cells), its fonts
are embedded, and text a user wrote (markup, Typst code, file paths, URLs) is printed as text.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from db.engine import make_engine, transaction
from db.plan_data import load_plan_data
from db.quarters import release, reopen
from zielcockpit.cli import main
from zielcockpit.domain.access import Principal
from zielcockpit.domain.periods import Period
from zielcockpit.domain.vocabulary import LIGHT_MEANINGS
from zielcockpit.services.entry import FieldInput, Submission, save_entry
from zielcockpit.services.evaluation import evaluate
from zielcockpit.services.report import ReportError, committee_report
from zielcockpit.settings import today as settings_today

pytestmark = pytest.mark.skipif(
    any(shutil.which(tool) is None for tool in ("pdftotext", "pdftoppm", "pdfinfo", "pdffonts")),
    reason="poppler-utils (pdftotext, pdftoppm, pdfinfo, pdffonts) fehlt",
)
CONTROLLING = Principal("controlling-test", "controlling")


@pytest.fixture
def demo(sqlite_templates: dict[str, Path], tmp_path: Path) -> Iterator[Engine]:
    path = tmp_path / "demo.db"
    shutil.copy(sqlite_templates["demo"], path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


def pdf_text(pdf: Path) -> list[str]:
    """The text of each page (pdftotext separates pages with a form feed)."""
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True
    )
    return out.stdout.decode("utf-8").split("\f")[:-1]


def poppler(tool: str, *args: str | Path) -> str:
    """What a poppler tool prints (its complaints about Typst's structure attributes, on
    stderr, are poppler 22's own: it reads /Suspects and /BorderColor as the wrong type)."""
    out = subprocess.run([tool, *map(str, args)], capture_output=True, check=True)
    return out.stdout.decode("utf-8", errors="replace")  # poppler 22 prints some titles raw


def flat(text: str) -> str:
    return " ".join(text.split())


def key(text: str) -> str:
    """Text without spaces and hyphens: pdftotext joins wrapped lines and drops a hyphen at a
    line's end, so a title wrapped at „Schulen - Handlungsempfehlungen“ is compared this way."""
    return re.sub(r"[\s\-]", "", text)


def test_rep001_every_measure_with_light_and_sentence_page_numbers_and_draft_mark(
    demo: Engine, tmp_path: Path
) -> None:
    url = str(demo.url.render_as_string(hide_password=False))
    pdf = tmp_path / "bericht.pdf"
    assert (
        main(
            [
                "report",
                "--plan",
                "2017",
                "--period",
                "2017-Q3",
                "-o",
                str(pdf),
                "--database-url",
                url,
            ]
        )
        == 0
    )
    pages = pdf_text(pdf)
    n = len(pages)
    assert n > 10
    for i, page in enumerate(pages, start=1):
        assert f"Seite {i} von {n}" in page
        assert "ENTWURF – nicht freigegeben" in page  # every page of an unreleased quarter
        assert "Demodaten" in page
    whole = flat(" ".join(pages))
    assert (
        "Ziele und Maßnahmen für ein Soziales Bielefeld 2017 – Bericht zum 3. Quartal 2017" in whole
    )
    # The table of contents names its sections with page numbers.
    assert re.search(r"Zusammenfassung[\s.\u2060]*4\b", flat(pages[1])), flat(pages[1])[:200]
    # The same „today“ as the report's (a missing value's sentence names its deadline).
    report = evaluate(load_plan_data(demo, "2017"), Period.parse("2017-Q3"), settings_today())
    details = whole[
        whole.index("Maßnahmen im Einzelnen", whole.index("Maßnahmen im Einzelnen") + 1) :
    ]
    details = key(details)
    heads = [(m, key(f"{m.info.code} {m.info.title}")) for m in report.measures]
    positions = []
    for _m, head in heads:
        assert head in details, head
        positions.append(details.index(head))
    for k, (m, head) in enumerate(heads):
        start = positions[k]
        later = [p for p in positions if p > start]
        section = details[start : min(later) if later else len(details)]
        sentence, _ = m.sentence()
        assert key(LIGHT_MEANINGS[m.light]) in section, head
        assert key(sentence) in section, head
    assert len(heads) == 48


def test_rep002_released_then_reopened_and_changed(demo: Engine, tmp_path: Path) -> None:
    with transaction(demo) as session:
        release(session, "2017", "2017-Q3", "controlling-test")
    released = committee_report(demo, "2017", "2017-Q3")
    pdf = tmp_path / "frei.pdf"
    pdf.write_bytes(released.content)
    text = flat(" ".join(pdf_text(pdf)))
    assert "ENTWURF" not in text and "Freigegeben am" in text
    assert "nach Freigabe geändert" not in text
    with transaction(demo) as session:
        reopen(session, "2017", "2017-Q3", "controlling-test", "Nachlieferung")
    result = save_entry(
        demo,
        CONTROLLING,
        Submission(
            "2017", "2017-Q3", {"510-4.2": FieldInput("510-4.2", "7", None, "korrigiert")}, {}
        ),
    )
    assert result.errors == [], result.errors
    pdf.write_bytes(committee_report(demo, "2017", "2017-Q3").content)
    text = flat(" ".join(pdf_text(pdf)))
    assert "ENTWURF" in text and "wieder geöffnet am" in text and "Nachlieferung" in text
    assert "◆ nach Freigabe geändert" in text
    assert "Nach der ersten Freigabe geändert: 1 Werte" in text
    assert released.file_name == "Zielcockpit_2017_2017-Q3_Bericht.pdf"


@pytest.mark.parametrize(
    ("plan", "period", "words"),
    [
        ("2017", "2017-Q4", "gibt es noch keine Werte"),
        ("1999", "2017-Q3", "Plan „1999“ gibt es nicht"),
        ("2017", "2016-Q4", "kein Quartal des Planungsjahres"),
        ("2017", "2017-13", "nicht verstanden"),
        ("2017", "2017-07", "kein Quartal"),
    ],
)
def test_rep003_a_report_that_cannot_be_made_is_refused_in_german(
    demo: Engine,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    plan: str,
    period: str,
    words: str,
) -> None:
    with pytest.raises(ReportError, match=words):
        committee_report(demo, plan, period)
    url = str(demo.url.render_as_string(hide_password=False))
    pdf = tmp_path / "x.pdf"
    assert (
        main(["report", "--plan", plan, "--period", period, "-o", str(pdf), "--database-url", url])
        == 1
    )
    err = capsys.readouterr().err
    assert err.startswith("Fehler: ") and words in err and "Kein Bericht geschrieben" in err
    assert not pdf.exists()


def test_rep004_pages_rendered_to_png(demo: Engine, tmp_path: Path) -> None:
    """Title page, contents, summary and a measure page as PNG (kept in the test's folder, and
    under ZIELCOCKPIT_SHOTS when set, to be looked at)."""
    import os

    pdf = tmp_path / "bericht.pdf"
    pdf.write_bytes(committee_report(demo, "2017", "2017-Q3").content)
    target = Path(os.environ.get("ZIELCOCKPIT_SHOTS") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-r", "70", "-png", "-f", "1", "-l", "12", str(pdf), str(target / "bericht")],
        check=True,
    )
    shots = sorted(target.glob("bericht-*.png"))
    assert len(shots) == 12
    from PIL import Image

    with Image.open(shots[0]) as first:
        assert first.size[1] > first.size[0]  # A4 portrait
        darkest, _lightest = first.convert("L").getextrema()
        assert isinstance(darkest, int) and darkest < 100  # there is dark text on the page


def test_rep005_short_form_above_the_limit_lists_only_measures_not_green(
    demo: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A large plan gets the short form, and says so; the 2017 plan is reported in full."""
    from zielcockpit.services import report_layout as layout
    from zielcockpit.services.report import report_data

    data = report_data(demo, "2017", "2017-Q3")
    full = layout.report_document(data)
    assert full["title_page"]["form_note"].startswith("Vollständiger Bericht: alle 48 Maßnahmen")
    assert sum(len(c["measures"]) for c in full["details"]) == 48
    monkeypatch.setattr(layout, "SHORT_FORM_ABOVE", 10)
    short = layout.report_document(data)
    assert short["summary"]["form_note"].startswith(
        "Kurzfassung: Der Plan hat 48 Maßnahmen (mehr als 10)"
    )
    assert short["details"] == []
    listed = {row["code"] for c in short["clusters"] for row in c["rows"]}
    for m in data.report.measures:
        assert (m.info.code in listed) == (m.light != "green"), m.info.code
    # As the reader sees it: no section per measure, only the measures not green.
    pdf = tmp_path / "kurz.pdf"
    pdf.write_bytes(committee_report(demo, "2017", "2017-Q3").content)
    text = flat(" ".join(pdf_text(pdf)))
    assert "Kurzfassung: Der Plan hat 48 Maßnahmen" in text
    assert "Maßnahmen im Einzelnen" not in text and "Prognose" not in text
    green = next(m for m in data.report.measures if m.light == "green")
    not_green = next(m for m in data.report.measures if m.light != "green")
    assert key(not_green.info.title) in key(text) and key(green.info.title) not in key(text)


def test_rep006_tagged_pdf_ua_and_pdf_a_with_language_title_headings_and_table_headers(
    demo: Engine, tmp_path: Path
) -> None:
    pdf = tmp_path / "bericht.pdf"
    made = committee_report(demo, "2017", "2017-Q3")
    pdf.write_bytes(made.content)
    info = poppler("pdfinfo", pdf)
    assert re.search(r"^Tagged:\s+yes$", info, re.M), info
    assert re.search(r"^Pages:\s+(\d+)$", info, re.M).group(1) == str(made.pages)  # type: ignore[union-attr]
    assert "Page size:       595.276 x 841.89 pts (A4)" in info
    title = "Ziele und Maßnahmen für ein Soziales Bielefeld 2017 – Bericht zum 3. Quartal 2017"
    assert re.search(r"^Title:\s+(.*)$", info, re.M).group(1) == title  # type: ignore[union-attr]
    meta = poppler("pdfinfo", "-meta", pdf)
    assert "<pdfuaid:part>1</pdfuaid:part>" in meta  # PDF/UA-1
    assert "<pdfaid:part>2</pdfaid:part><pdfaid:conformance>A</pdfaid:conformance>" in meta
    assert "<dc:language><rdf:Bag><rdf:li>de-DE</rdf:li>" in meta
    assert b"/Lang(de-DE)" in made.content or b"/Lang (de-DE)" in made.content
    struct = poppler("pdfinfo", "-struct-text", pdf)
    # Headings in order of rank: sections, Handlungsfelder, measures (the heading's text is the
    # line below its role; poppler 22 garbles the title beside the role when it has umlauts).
    headings = re.findall(r'^ *(H\d) .*\n *"(.*)"$', struct, re.M)
    assert ("H1", "Zusammenfassung") in headings and ("H1", "Maßnahmen im Einzelnen") in headings
    assert ("H2", "Arbeitssuchende Menschen") in headings
    assert ("H3", "REGE-4 Jugend - Jugend stärken im Quartier") in headings
    assert len([h for h in headings if h[0] == "H3"]) == 48
    assert [text for role, text in headings if role == "H1"] == [
        "Inhalt",
        "Zusammenfassung",
        "Handlungsfelder",
        "Maßnahmen im Einzelnen",
    ]
    # A measure table: a Table with a header row of TH cells (scope column), then TD cells
    # that name their header.
    tables = struct.split("Table (block)")[1:]
    assert len(tables) >= 48 + 8
    measures_table = next(t for t in tables if '"Code"' in t)
    head = measures_table[: measures_table.index("TBody")]
    assert "THead" in head and head.count("TH ") == 5 and "/Scope /Column" in head
    for word in ("Code", "Maßnahme", "OE", "Ampel", "Begründung"):
        assert f'"{word}"' in head
    body = measures_table[measures_table.index("TBody") :]
    assert "TD:" in body and "/Headers [(U" in body
    indicators_table = next(t for t in tables if '"Prognose"' in t)
    assert indicators_table.index('"Prognose"') < indicators_table.index("TBody")
    # Every font is embedded (DejaVu Sans from the repository), none comes from the system.
    fonts = poppler("pdffonts", pdf).splitlines()[2:]
    assert fonts and all(" yes yes yes " in line for line in fonts), fonts
    assert {line.split()[0].split("+")[1] for line in fonts} <= {"DejaVuSans", "DejaVuSans-Bold"}


MARKUP = (
    '#image("/etc/passwd") #read("/etc/passwd") *fett* _kursiv_ $x^2$ <b>fett</b> '
    '<script>alert(1)</script> @ziel <m0> \\ #set page(width: 1cm) ")] #panic("x")'
)
URL = "https://www.bielefeld.de/sozialplanung/bericht?jahr=2017&q=3#anker"
PATH = "C:\\Users\\controlling\\Bericht.pdf ../../etc/shadow file:///etc/hosts"


def test_rep007_markup_code_paths_and_urls_of_users_are_printed_as_text(
    demo: Engine, tmp_path: Path
) -> None:
    """Bad input: a measure title, an indicator name and a comment with Typst and HTML markup,
    Typst code that would read a file, file paths and a URL; one character no font has (漢) and a
    control character. All of it is printed as written (the unprintable as „�“), nothing is
    read, and the layout holds (A4, page numbers)."""
    from sqlalchemy import update

    from db.models import Indikator, Massnahme

    title = f"Jugend {MARKUP}"
    with transaction(demo) as session:
        session.execute(update(Massnahme).where(Massnahme.code == "REGE-4").values(title=title))
        session.execute(
            update(Indikator).where(Indikator.code == "REGE-4.1").values(name=f"Vermittlung {PATH}")
        )
    comment = f"Siehe {URL} und {PATH}; {MARKUP} – Daten aus 漢 Quelle\x07 Ende"
    result = save_entry(
        demo,
        CONTROLLING,
        Submission(
            "2017", "2017-Q3", {"REGE-4.1": FieldInput("REGE-4.1", "30", None, comment)}, {}
        ),
    )
    assert result.errors == [], result.errors
    pdf = tmp_path / "bericht.pdf"
    made = committee_report(demo, "2017", "2017-Q3")
    pdf.write_bytes(made.content)
    pages = pdf_text(pdf)
    text = key(" ".join(pages))
    for written in (title, f"Vermittlung {PATH}", URL, MARKUP, "Daten aus � Quelle� Ende"):
        assert key(written) in text, written
    assert text.count(key(title)) >= 3  # contents, Handlungsfeld table, the measure's heading
    assert "root:" not in text and "localhost" not in text  # no file was read
    info = poppler("pdfinfo", pdf)
    assert "Page size:       595.276 x 841.89 pts (A4)" in info and "Tagged:          yes" in info
    for i, page in enumerate(pages, start=1):
        assert f"Seite {i} von {len(pages)}" in page
    # The structure tree carries the text too (what a screen reader reads).
    read_out = re.findall(r'^ *"(.*)"$', poppler("pdfinfo", "-struct-text", pdf), re.M)
    assert key(URL) in key(" ".join(read_out)) and key(MARKUP) in key(" ".join(read_out))


def test_rep008_report_as_a_job_is_the_tagged_pdf(demo: Engine, tmp_path: Path) -> None:
    """The report made on the queue (embedded worker) is the same tagged PDF, kept for download."""
    import time

    from db.jobs import DONE, get_job
    from zielcockpit.services.jobs import job_download, submit_report
    from zielcockpit.settings import Settings

    url = str(demo.url.render_as_string(hide_password=False))
    settings = Settings.resolve(
        {
            "DATABASE_URL": url,
            "ZIELCOCKPIT_ARCHIVE_DIR": str(tmp_path / "archiv"),
            "ZIELCOCKPIT_JOBS": "eingebettet",
        },
        environ={},
    )
    leitung = Principal("test-leitung", "leitung")
    job_id = submit_report(demo, settings, leitung, "2017", "2017-Q3")
    deadline = time.monotonic() + 120
    while not (view := get_job(demo, job_id)) or not view.finished:
        assert time.monotonic() < deadline, "the report job did not finish"
        time.sleep(0.1)
    assert view.state == DONE, view.message
    made = job_download(demo, leitung, job_id)
    assert made is not None and made[1] == "Zielcockpit_2017_2017-Q3_Bericht_Entwurf.pdf"
    pdf = tmp_path / made[1]
    pdf.write_bytes(made[0])
    assert "Tagged:          yes" in poppler("pdfinfo", pdf)
    pages = pdf_text(pdf)
    assert view.message == f"Der Bericht ist fertig ({len(pages)} Seiten)."
    assert "Zusammenfassung" in pages[3] and "Maßnahmen sind im 3. Quartal 2017 im Plan" in pages[3]


def test_rep009_characters_the_font_cannot_draw_become_replacement_marks() -> None:
    """PDF/A and PDF/UA refuse a character without a glyph, so the report would fail on one
    Chinese character in a comment; instead it prints „�“. What the report's own words need
    (umlauts, ß, quotes, dashes, €, the light shapes, the change mark) is in the font."""
    from zielcockpit.services.report_pdf import clean, clean_text, drawable

    assert clean_text("漢字 \x07 \x00x") == "�� � �x"
    assert clean_text("a\tb\r\nc\rd") == "a b\nc\nd"
    ours = "äöüÄÖÜß „“ – − … € ● ▲ ■ ○ ◆ · ± \u00a0\u2009"
    assert clean_text(ours) == ours and all(ord(c) in drawable() for c in ours)
    assert clean({"a": ["漢", {"b": "ok"}], "n": 1, "x": None}) == {
        "a": ["�", {"b": "ok"}],
        "n": 1,
        "x": None,
    }


def test_rep010_a_fault_of_the_template_is_refused_in_german_without_a_file(
    demo: Engine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from zielcockpit.services import report_pdf

    broken = tmp_path / "vorlage"
    broken.mkdir()
    (broken / "bericht.typ").write_text("#let d = json(bytes(sys.inputs.data))\n#d.gibt-es-nicht\n")
    monkeypatch.setattr(report_pdf, "TEMPLATE_DIR", broken)
    monkeypatch.setattr(report_pdf, "TEMPLATE", broken / "bericht.typ")
    with pytest.raises(ReportError, match="Der Bericht konnte nicht gesetzt werden"):
        committee_report(demo, "2017", "2017-Q3")
    url = str(demo.url.render_as_string(hide_password=False))
    pdf = tmp_path / "x.pdf"
    code = main(
        ["report", "--plan", "2017", "--period", "2017-Q3", "-o", str(pdf), "--database-url", url]
    )
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("Fehler: Der Bericht konnte nicht gesetzt werden")
    assert "Traceback" not in err and not pdf.exists()
