"""The committee report (PDF): read back with pdftotext, its pages rendered to PNG with pdftoppm.

Every measure of the plan is there with its light word and its sentence, every page carries
„Seite x von y“ and, for an unreleased quarter, the „Entwurf“ mark; a reopened quarter marks
what changed after its release; a report that cannot be made is refused in German.
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
from db.quarters import release, reopen
from db.status import evaluate, load_plan_data
from zielcockpit.auth import Principal
from zielcockpit.cli import main
from zielcockpit.domain.periods import Period
from zielcockpit.domain.vocabulary import LIGHT_MEANINGS
from zielcockpit.services.entry import FieldInput, Submission, save_entry
from zielcockpit.services.report import ReportError, committee_report
from zielcockpit.settings import today as settings_today

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None,
    reason="poppler-utils (pdftotext, pdftoppm) fehlt",
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
    assert re.search(r"Zusammenfassung \.*\s*\d+", flat(pages[1])) or re.search(
        r"Zusammenfassung[ .]*\d+", flat(pages[1])
    )
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
    demo: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A large plan gets the short form, and says so; the 2017 plan is reported in full."""
    from zielcockpit.services import report_html as layout
    from zielcockpit.services.report import report_data

    data = report_data(demo, "2017", "2017-Q3")
    full = layout.report_html(data)
    assert "Vollständiger Bericht: alle 48 Maßnahmen" in full and "Maßnahmen im Einzelnen" in full
    monkeypatch.setattr(layout, "SHORT_FORM_ABOVE", 10)
    short = layout.report_html(data)
    assert "Kurzfassung: Der Plan hat 48 Maßnahmen (mehr als 10)" in short
    assert "Maßnahmen im Einzelnen" not in short and "class='indicators'" not in short
    tables = short[short.index('id="handlungsfelder"') :]
    for m in data.report.measures:
        shown = f"<td class='code'>{m.info.code}</td>" in tables
        assert shown == (m.light != "green"), m.info.code
