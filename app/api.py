"""The JSON API under /api/v1, served by the Flask server of the Dash app.

Same schema as `zielcockpit status --json`: both call db.status.report_json / measure_json.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from db.status import (
    NotFound,
    find_plan_of_measure,
    load_plan_data,
    measure_json,
    parse_period,
    plan_status,
    report_json,
)

api = Blueprint("api", __name__, url_prefix="/api/v1")


def _error(status: int, message: str) -> tuple[Response, int]:
    return jsonify({"error": message, "status": status}), status


@api.errorhandler(NotFound)
def _not_found(exc: NotFound) -> tuple[Response, int]:
    return _error(404, str(exc))


@api.get("/health")
def health() -> Response:
    return jsonify({"status": "ok"})


@api.get("/status")
def status() -> Response | tuple[Response, int]:
    plan, period = request.args.get("plan"), request.args.get("period")
    if not plan or not period:
        return _error(
            400, "Parameter „plan“ und „period“ sind Pflicht, z. B. ?plan=2017&period=2017-Q2."
        )
    report = plan_status(current_app.config["ZC_ENGINE"], plan, period)
    return jsonify(report_json(report))


@api.get("/measures/<code>")
def measure(code: str) -> Response | tuple[Response, int]:
    period_text = request.args.get("period")
    if not period_text:
        return _error(400, "Parameter „period“ ist Pflicht, z. B. ?period=2017-Q2.")
    period = parse_period(period_text)
    engine = current_app.config["ZC_ENGINE"]
    plan_key = find_plan_of_measure(engine, code, request.args.get("plan"))
    from db.status import evaluate

    report = evaluate(load_plan_data(engine, plan_key), period)
    body = measure_json(report.measure(code))
    body["plan"] = report.plan.key
    body["period"] = report.period.key
    return jsonify(body)
