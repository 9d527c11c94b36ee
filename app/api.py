"""The JSON API under /api/v1, served by the Flask server of the Dash app.

Same schema as `zielcockpit status --json`: both call zielcockpit.services.evaluation.report_json / measure_json.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from db.plan_data import NotFound, find_plan_of_measure, load_plan_data, parse_period
from zielcockpit.services.evaluation import evaluate, measure_json, plan_status, report_json
from zielcockpit.settings import today as settings_today

api = Blueprint("api", __name__, url_prefix="/api/v1")


def _error(status: int, message: str) -> tuple[Response, int]:
    return jsonify({"error": message, "status": status}), status


@api.errorhandler(NotFound)
def _not_found(exc: NotFound) -> tuple[Response, int]:
    return _error(404, str(exc))


@api.get("/<path:rest>")
def unknown(rest: str) -> tuple[Response, int]:
    # Without this, the app's page router would answer unknown API addresses with HTML.
    return _error(404, f"Die Adresse /api/v1/{rest} gibt es in der API nicht.")


@api.get("/health")
def health() -> Response | tuple[Response, int]:
    """For load balancers and monitoring: answers 200 only when the database answers too."""
    try:
        with current_app.config["ZC_ENGINE"].connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        current_app.logger.warning("Gesundheitsprüfung: Datenbank nicht erreichbar: %s", exc)
        body = jsonify(
            {
                "status": "fehler",
                "database": "nicht erreichbar",
                "error": "Die Datenbank ist nicht erreichbar.",
            }
        )
        return body, 503
    return jsonify({"status": "ok", "database": "ok"})


@api.get("/status")
def status() -> Response | tuple[Response, int]:
    plan, period = request.args.get("plan"), request.args.get("period")
    if not plan or not period:
        return _error(
            400, "Parameter „plan“ und „period“ sind Pflicht, z. B. ?plan=2017&period=2017-Q2."
        )
    report = plan_status(current_app.config["ZC_ENGINE"], plan, period, settings_today())
    return jsonify(report_json(report))


@api.post("/import")
def import_upload() -> Response | tuple[Response, int]:
    """Machine clients deliver files like `zielcockpit import` (multipart field „file“)."""
    from app.security import current_principal

    principal = current_principal()
    if principal is None or not principal.can_import:
        return _error(
            403,
            "Keine Berechtigung: Importe über die API dürfen nur Controlling und Administration.",
        )
    files = request.files.getlist("file")
    if not files:
        return _error(400, "Keine Datei im Feld „file“ gesendet.")
    from zielcockpit.services.upload import UploadedFile, import_uploads

    outcome = import_uploads(
        current_app.config["ZC_ENGINE"],
        current_app.config["ZC_SETTINGS"],
        principal,
        [UploadedFile(storage.filename, storage.read()) for storage in files],
        profile=request.form.get("profile") or None,
        dry_run=request.form.get("dry_run") in ("1", "true", "ja"),
        paths_allowed=False,
    )
    if outcome.refusal is not None or outcome.report is None:
        return _error(400, outcome.refusal or "Die Dateien wurden nicht angenommen.")
    body = outcome.report.as_json()
    for file in body["files"]:
        # Where the server keeps the original is none of the client's business; the checksum
        # names the archived file.
        file.pop("archive_path", None)
    return jsonify(body), (422 if body["status"] == "rejected" else 200)


@api.get("/orte")
def places() -> Response | tuple[Response, int]:
    """Places with their context values and Sozialstrukturindex (issue 15)."""
    from zielcockpit.services.places_json import places_json

    engine = current_app.config["ZC_ENGINE"]
    return jsonify(places_json(engine, request.args.get("plan"), request.args.get("period")))


@api.get("/orte/<name>")
def place_profile(name: str) -> Response | tuple[Response, int]:
    """The profile of one place against its Stadtbezirk and the city."""
    from zielcockpit.services.places_json import profile_json

    engine = current_app.config["ZC_ENGINE"]
    body = profile_json(engine, name, request.args.get("period"), request.args.get("plan"))
    return jsonify(body)


@api.get("/measures/<code>")
def measure(code: str) -> Response | tuple[Response, int]:
    period_text = request.args.get("period")
    if not period_text:
        return _error(400, "Parameter „period“ ist Pflicht, z. B. ?period=2017-Q2.")
    period = parse_period(period_text)
    engine = current_app.config["ZC_ENGINE"]
    plan_key = find_plan_of_measure(engine, code, request.args.get("plan"))
    report = evaluate(load_plan_data(engine, plan_key, up_to=period), period, settings_today())
    body = measure_json(report.measure(code))
    body["plan"] = report.plan.key
    body["period"] = report.period.key
    return jsonify(body)
