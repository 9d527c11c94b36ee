"""Entry, import, audit trail and completeness called over HTTP, as the browser (or an attacker)
would: every page and callback behind the login and CSRF check, every write behind role and unit."""

from __future__ import annotations

import base64
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from access_helpers import (
    PAGES,
    all_payloads,
    confirm_and_wait,
    download_payload,
    dump,
    engine_of,
    preview_payload,
    route_payload,
    save_payload,
    trail_payload,
)
from dash import Dash
from dash_helpers import logged_in_client
from openpyxl import load_workbook
from sqlalchemy import select

from app import ids as aids
from benchmarks.dash_requests import DASH
from db.demo import OVERRIDE
from db.models import (
    AuditEntry,
    ImportRun,
    Indikator,
    Kommentar,
    Messwert,
    MesswertVersion,
    StatusOverride,
)
from tests.live import long_csv

CONTEXT_Q3 = {"plan": "2017", "period": "2017-Q3", "oe": "510"}


def answer(response: Any) -> str:
    """A callback's answer as text (German letters kept), after checking it was answered."""
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return json.dumps(response.get_json(), ensure_ascii=False)


def value_of(app: Dash, code: str, period: str) -> Any:
    with engine_of(app).connect() as conn:
        return conn.execute(
            select(Messwert.value, Messwert.symbol, Messwert.status, Messwert.recorded_by)
            .join(Indikator, Indikator.id == Messwert.indikator_id)
            .where(Indikator.code == code, Messwert.period == period, Messwert.ort_id.is_(None))
        ).one_or_none()


# -- without login, without CSRF ------------------------------------------------------------------


def test_acc101_pages_and_callbacks_refuse_without_login(web: Dash) -> None:
    client = web.server.test_client()
    before = dump(engine_of(web))
    for path in PAGES:
        page = client.get(path)
        assert page.status_code == 302, path
        assert page.headers["Location"] == f"/login?next={path}"
    for payload in all_payloads():
        response = client.post(DASH, json=payload)
        assert response.status_code == 401, payload["output"]
        assert response.get_json()["error"] == "Anmeldung erforderlich."
    assert dump(engine_of(web)) == before


def test_acc102_a_missing_or_wrong_csrf_header_is_refused(web: Dash) -> None:
    client = logged_in_client(web, "demo-controlling")
    token = client.environ_base.pop("HTTP_X_CSRFTOKEN")
    before = dump(engine_of(web))
    for payload in all_payloads():
        response = client.post(DASH, json=payload)
        assert response.status_code == 403, payload["output"]
        assert "CSRF" in response.get_json()["error"]
        forged = client.post(DASH, json=payload, headers={"X-CSRFToken": token[::-1]})
        assert forged.status_code == 403
    assert dump(engine_of(web)) == before
    # With the header the same requests are answered (so the 403 above was the CSRF check).
    client.environ_base["HTTP_X_CSRFTOKEN"] = token
    assert client.post(DASH, json=trail_payload()).status_code == 200


# -- the save callback, called directly ----------------------------------------------------------


def test_acc103_leitung_is_refused_by_the_save_callback(web: Dash) -> None:
    client = logged_in_client(web, "demo-leitung")
    before = dump(engine_of(web))
    text = answer(
        client.post(
            DASH,
            json=save_payload(
                CONTEXT_Q3, {"510-4.2": "3"}, comments={"510-4.2": "x"}, lights={"510-4": "red"}
            ),
        )
    )
    assert "Nicht gespeichert" in text and "Keine Berechtigung" in text and "leitung" in text
    assert dump(engine_of(web)) == before


def test_acc104_another_units_measure_is_refused_and_nothing_written(web: Dash) -> None:
    client = logged_in_client(web, "demo-fb-rege")
    before = dump(engine_of(web))
    crafted = [
        save_payload(CONTEXT_Q3, {"510-4.2": "3"}),
        save_payload(CONTEXT_Q3, comments={"510-4.2": "Fremder Kommentar"}),
        save_payload(CONTEXT_Q3, lights={"510-1": "green"}, texts={"510-1": "alles gut"}),
        # One own measure does not carry a foreign one through.
        save_payload(
            {"plan": "2017", "period": "2017-Q3", "oe": "REGE"},
            {"REGE-4.1": "30", "510-4.2": "3"},
            comments={"REGE-4.1": "eigener Wert"},
        ),
    ]
    for payload in crafted:
        text = answer(client.post(DASH, json=payload))
        assert "Nicht gespeichert" in text
        assert "Keine Berechtigung: Maßnahme 510-" in text
        assert "Organisationseinheit 510" in text
    assert dump(engine_of(web)) == before


def test_acc105_own_unit_is_written_in_one_run_and_audited(web: Dash) -> None:
    client = logged_in_client(web, "demo-fb-510")
    payload = save_payload(
        CONTEXT_Q3,
        {"510-4.2": "1.234,5", "510-1.1": "1"},
        statuses={"510-4.1": "gefaehrdet"},
        comments={"510-4.2": "Zwei neue Kooperationen", "510-1.1": ""},
        lights={"510-2": "red", "510-1": "yellow"},
        # 510-1 keeps the demo's manual light: unchanged, so not rewritten and not audited.
        texts={"510-2": "Träger abgesprungen", "510-1": OVERRIDE[2]},
    )
    text = answer(client.post(DASH, json=payload))
    assert "Gespeichert für 3. Quartal 2017" in text, text
    stored = value_of(web, "510-4.2", "2017-Q3")
    assert stored.value == Decimal("1234.5") and stored.recorded_by == "demo-fb-510"
    assert value_of(web, "510-4.1", "2017-Q3").status == "gefaehrdet"
    engine = engine_of(web)
    with engine.connect() as conn:
        runs = conn.execute(select(ImportRun).where(ImportRun.kind == "erfassung")).all()
        assert len(runs) == 1
        run = runs[0]
        assert run.user_name == "demo-fb-510" and run.file_name == "Erfassung im Browser"
        assert run.values_written == 2  # 510-1.1 was unchanged and is not rewritten
        entries = conn.execute(
            select(AuditEntry).where(AuditEntry.import_run_id == run.id).order_by(AuditEntry.id)
        ).all()
        kinds = sorted(e.action for e in entries)
        assert kinds == ["ampel", "kommentar", "wert", "wert"]
        wert = next(e for e in entries if e.entity_key == "510-4.2 2017-Q3")
        assert (wert.old, wert.new, wert.actor) == ("1 (Demodaten)", "1.234,5", "demo-fb-510")
        assert wert.source == "Erfassungsformular" and wert.massnahme_id is not None
        ampel = next(e for e in entries if e.action == "ampel")
        assert ampel.old is None and json.loads(ampel.new)["ampel"] == "red"
        # The replaced demo value is kept as a version, never deleted.
        versions = conn.execute(select(MesswertVersion)).all()
        assert len(versions) == 2 and all(v.demo for v in versions)
        comment = conn.execute(
            select(Kommentar).where(Kommentar.text == "Zwei neue Kooperationen")
        ).one()
        assert comment.author == "demo-fb-510" and comment.import_run_id == run.id
        override = conn.execute(
            select(StatusOverride).where(StatusOverride.justification == "Träger abgesprungen")
        ).one()
        assert override.light == "red" and override.set_by == "demo-fb-510"
    # Sent again, nothing moves: every value, comment and light is already stored so.
    before = dump(engine)
    again = answer(client.post(DASH, json=payload))
    assert "Keine Änderungen" in again
    assert dump(engine) == before


def test_acc106_bad_requests_get_a_german_answer(web: Dash) -> None:
    client = logged_in_client(web, "demo-controlling")
    before = dump(engine_of(web))
    for payload in (
        save_payload("kaputt", {"510-4.2": "3"}),
        save_payload({"plan": "2017"}, {"510-4.2": "3"}),
        save_payload(CONTEXT_Q3, {"510-4.2": {"wert": 3}}),
        save_payload(CONTEXT_Q3, {"gibt-es-nicht.1": "3"}),
        save_payload({"plan": "1999", "period": "2017-Q3"}, {"510-4.2": "3"}),
        save_payload({"plan": "2017", "period": "2017-06"}, {"510-4.2": "3"}),
    ):
        text = answer(client.post(DASH, json=payload))
        assert "Nicht gespeichert" in text and "Traceback" not in text
    assert dump(engine_of(web)) == before


# -- pages per role ------------------------------------------------------------------------------


def routed(client: Any, path: str, search: str = "") -> str:
    return answer(client.post(DASH, json=route_payload(path, search)))


def test_acc107_each_role_sees_its_pages(web: Dash) -> None:
    leitung = logged_in_client(web, "demo-leitung")
    page = routed(leitung, "/erfassung")
    assert "Nur lesen" in page and aids.ENTRY_SAVE not in page
    for path in ("/import", "/protokoll", "/vollstaendigkeit"):
        assert "Keine Berechtigung" in routed(leitung, path), path

    fb = logged_in_client(web, "demo-fb-510")
    page = routed(fb, "/erfassung", "?period=2017-Q3")
    assert "Erfassung 510 – Jugendamt" in page and aids.ENTRY_SAVE in page
    assert "REGE – REGE mbH" not in page  # the unit select offers only its own unit
    foreign = routed(fb, "/erfassung", "?period=2017-Q3&oe=REGE")
    assert "Organisationseinheit „REGE“: keine Berechtigung" in foreign
    assert "Erfassung 510 – Jugendamt" in foreign and "REGE-4.1" not in foreign
    assert "Datei hierher ziehen" in routed(fb, "/import")
    for path in ("/protokoll", "/vollstaendigkeit"):
        assert "Keine Berechtigung" in routed(fb, path), path

    admin = logged_in_client(web, "demo-admin")
    assert "Änderungsprotokoll" in routed(admin, "/protokoll")
    assert "Vollständigkeit" in routed(admin, "/vollstaendigkeit")
    page = routed(admin, "/erfassung", "?period=2017-Q3&oe=REGE")
    assert "Erfassung REGE – REGE mbH" in page and "REGE-4.1" in page


def test_acc108_audit_and_download_callbacks_check_the_role(web: Dash) -> None:
    fb = logged_in_client(web, "demo-fb-510")
    refused = fb.post(DASH, json=trail_payload()).get_json()["response"]
    assert refused[aids.AUDIT_GRID]["rowData"] == []
    assert "Keine Berechtigung" in refused[aids.AUDIT_COUNT]["children"]
    leitung = logged_in_client(web, "demo-leitung")
    nothing = leitung.post(DASH, json=download_payload("?plan=2017&period=2017-Q3")).get_json()
    assert nothing["response"][aids.COMPLETENESS_DOWNLOAD]["data"] is None

    admin = logged_in_client(web, "demo-admin")
    rows = admin.post(DASH, json=trail_payload(kind="demo")).get_json()["response"]
    assert rows[aids.AUDIT_GRID]["rowData"]
    assert {r["kind"] for r in rows[aids.AUDIT_GRID]["rowData"]} == {"Wert (Demodaten)"}
    controlling = logged_in_client(web, "demo-controlling")
    data = controlling.post(DASH, json=download_payload("?plan=2017&period=2017-Q3")).get_json()
    file = data["response"][aids.COMPLETENESS_DOWNLOAD]["data"]
    assert file["filename"] == "Zielcockpit_2017_2017-Q3_Erinnerungsliste.xlsx"
    book = load_workbook(io.BytesIO(base64.b64decode(file["content"])))
    sheet = book["Erinnerungsliste"]
    rows_xlsx = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows_xlsx[0][:3] == ["Organisationseinheit", "Name der Organisationseinheit", "Maßnahme"]
    # 500-8.2 is not due before Q4 by the plan's timing, so not chased (reporting calendar).
    assert [r[0] for r in rows_xlsx[1:]] == ["540", "540", "540"]
    assert ["540", "540-4.1", "kein Wert", "3. Quartal 2017"] in [
        [r[0], r[4], r[6], r[7]] for r in rows_xlsx
    ]
    assert any(r[4] == "540-14.1" and r[6] == "kein Sachstand" for r in rows_xlsx[1:])


# -- upload: preview, confirm, errors, names, limits ---------------------------------------------


def preview(client: Any, name: str, content: bytes) -> tuple[str, Any]:
    response = client.post(DASH, json=preview_payload(name, content))
    text = answer(response)
    return text, response.get_json()["response"][aids.IMPORT_CHECKED]["data"]


def test_acc109_upload_preview_then_confirm_writes_and_audits(web: Dash) -> None:
    client = logged_in_client(web, "demo-controlling")
    content = long_csv(
        [
            ("REGE-4.1", "2017-Q4", "12"),
            ("REGE-9.2", "Q4/2017", "1.234"),
            ("REGE-1.1", "2017-Q3", "50"),
        ]
    )
    before = dump(engine_of(web))
    text, checked = preview(client, "werte.csv", content)
    assert "Langformat" in text and "automatisch erkannt" in text
    assert "Vorschau – noch nichts geschrieben. Würde 3 Werte schreiben" in text
    assert "46,4\u00a0%" in text and "50\u00a0%" in text and "1.234" in text  # bisher → neu
    assert "Übernehmen" in text
    assert checked["name"] == "werte.csv" and len(checked["checksum"]) == 64
    assert dump(engine_of(web)) == before  # the preview writes nothing

    other = long_csv([("REGE-4.1", "2017-Q4", "13")])
    changed = answer(confirm_and_wait(client, "werte.csv", other, checked))
    assert "unterscheidet sich von der geprüften Vorschau" in changed
    assert dump(engine_of(web)) == before

    done = answer(confirm_and_wait(client, "werte.csv", content, checked))
    assert "Übernommen" in done and "Geschrieben: 3 Werte" in done
    assert value_of(web, "REGE-4.1", "2017-Q4").value == Decimal("12")
    with engine_of(web).connect() as conn:
        run = conn.execute(select(ImportRun).where(ImportRun.kind == "datei")).one()
        entry = conn.execute(select(AuditEntry).where(AuditEntry.action == "import")).one()
    assert run.user_name == "demo-controlling" and run.file_name == "werte.csv"
    assert entry.import_run_id == run.id and entry.actor == "demo-controlling"
    facts = json.loads(entry.new)
    assert facts["pruefsumme"] == checked["checksum"] and facts["werte_geschrieben"] == 3
    assert Path(run.archive_path).exists()


def test_acc110_bad_files_names_and_sizes(web: Dash) -> None:
    client = logged_in_client(web, "demo-controlling")
    before = dump(engine_of(web))
    bad = long_csv([("REGE-4.1", "2017-Q4", "zwölf"), ("REGE-9.2", "2017-Q4", "-5")])
    text, checked = preview(client, "fehler.csv", bad)
    assert checked is None and "Abgelehnt – nichts wird geschrieben. 2 Fehler" in text
    assert "C2" in text and "Text statt Zahl" in text and "C3" in text and "Negativer Wert" in text
    assert aids.IMPORT_CONFIRM not in text

    good = long_csv([("REGE-4.1", "2017-Q4", "12")])
    for raw in ("../../etc/werte.csv", "..\\..\\Windows\\werte.csv", "/tmp/werte.csv"):
        text, checked = preview(client, raw, good)
        assert "enthielt Pfadangaben; verwendet wird „werte.csv“" in text, raw
        assert checked["name"] == "werte.csv"
    for raw, words in (
        ("..", "ist ungültig"),
        ("../", "ist ungültig"),
        ("werte.exe", "Dateityp „.exe“"),
        ("werte", "ohne Endung"),
    ):
        text, checked = preview(client, raw, good)
        assert words in text and checked is None, raw

    # Just over 1 MB: below the server's request limit, so the callback itself refuses it.
    big = b"Indikator;Zeitraum;Wert\n" + b"REGE-4.1;2017-Q4;1\n" * 55_500
    text, checked = preview(client, "gross.csv", big)
    assert "Die Datei ist 1,01 MB groß; erlaubt sind höchstens 1 MB" in text and checked is None
    # Far beyond the limit, the server refuses before reading the body (MAX_CONTENT_LENGTH).
    huge = client.post(DASH, json=preview_payload("riesig.csv", big * 3))
    assert huge.status_code == 413 and "zu groß" in huge.get_json()["error"]
    assert dump(engine_of(web)) == before
    assert not (Path(web.server.config["ZC_SETTINGS"].archive_dir)).exists()


def test_acc111_fachbereich_imports_only_its_own_units(web: Dash) -> None:
    rege = logged_in_client(web, "demo-fb-rege")
    before = dump(engine_of(web))
    mixed = long_csv([("REGE-4.1", "2017-Q4", "12"), ("510-4.2", "2017-Q4", "3")])
    text, checked = preview(rege, "gemischt.csv", mixed)
    assert checked is None
    assert "Indikatoren anderer Organisationseinheiten: 510-4.2 (510)" in text
    refused = answer(confirm_and_wait(rege, "gemischt.csv", mixed, {"checksum": "x" * 64}))
    assert "Nicht übernommen" in refused
    assert dump(engine_of(web)) == before
    leitung = logged_in_client(web, "demo-leitung")
    text, checked = preview(leitung, "werte.csv", long_csv([("REGE-4.1", "2017-Q4", "12")]))
    assert "Keine Berechtigung" in text and checked is None
    assert dump(engine_of(web)) == before

    own = long_csv([("REGE-4.1", "2017-Q4", "12")])
    text, checked = preview(rege, "eigen.csv", own)
    assert checked is not None, text
    done = answer(confirm_and_wait(rege, "eigen.csv", own, checked))
    assert "Übernommen" in done
    assert value_of(web, "REGE-4.1", "2017-Q4").recorded_by == "demo-fb-rege"


def test_acc120_a_stale_form_is_refused_and_says_who_was_faster(web: Dash) -> None:
    """Two people open /erfassung for the same unit; the slower save does not overwrite."""
    from zielcockpit.domain.periods import Period
    from zielcockpit.services.entry_form import entry_form

    engine = engine_of(web)
    form = entry_form(engine, "2017", "510", Period.parse("2017-Q3"))
    context = {**CONTEXT_Q3, "seen": form.seen()}  # what both browsers received
    first = logged_in_client(web, "demo-fb-510")
    second = logged_in_client(web, "demo-controlling")
    saved = first.post(
        DASH, json=save_payload(context, {"510-4.2": "5"}, comments={"510-4.2": "a"})
    )
    body = saved.get_json()["response"]
    assert "Gespeichert" in json.dumps(body, ensure_ascii=False)
    # the first browser learns the new version: its next save is no conflict with itself
    new_context = body[aids.ENTRY_CONTEXT]["data"]
    assert new_context["seen"]["values"]["510-4.2"][0] == form.seen()["values"]["510-4.2"][0] + 1
    before = dump(engine)
    late = answer(
        second.post(DASH, json=save_payload(context, {"510-4.2": "7"}, comments={"510-4.2": "b"}))
    )
    assert "Nicht gespeichert" in late or "nicht gespeichert" in late
    assert "inzwischen von demo-fb-510" in late and "„5“" in late
    assert dump(engine) == before
    assert value_of(web, "510-4.2", "2017-Q3").value == Decimal(5)
    again = answer(
        first.post(
            DASH, json=save_payload(new_context, {"510-4.2": "6"}, comments={"510-4.2": "c"})
        )
    )
    assert "Gespeichert" in again and value_of(web, "510-4.2", "2017-Q3").value == Decimal(6)
