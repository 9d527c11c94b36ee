"""The districts API: /api/v1/orte and /api/v1/orte/<ort>, with a login like every API route."""

from __future__ import annotations

from dash import Dash
from dash_helpers import logged_in_client


def test_api_places_needs_login(demo_app: Dash) -> None:
    response = demo_app.server.test_client().get("/api/v1/orte?plan=2017&period=2017-Q3")
    assert response.status_code in (401, 302, 303)


def test_api_places_and_profile(demo_app: Dash) -> None:
    client = logged_in_client(demo_app)
    body = client.get("/api/v1/orte?plan=2017&period=2017-Q3").get_json()
    assert body["period"] == "2017-Q3" and body["index"]["version"] == 1
    places = {p["name"]: p for p in body["places"]}
    assert places["Baumheide"]["stadtbezirk"] == "Heepen"
    assert places["Gadderbaum"]["index"]["points"] is None
    assert "K-AE" in places["Gadderbaum"]["index"]["reason"]
    assert places["Gadderbaum"]["values"]["K-AE"] == {"value": None, "symbol": "*", "share": None}
    assert places["Sennestadt"]["index"]["rank"] == 1
    assert {"code": "Jobcenter-8", "light": "green"} in places["Baumheide"]["measures"]
    unknown_plan = client.get("/api/v1/orte?plan=1999&period=2017-Q3")
    assert unknown_plan.status_code == 404
    profile = client.get("/api/v1/orte/Baumheide?period=2017-Q3").get_json()
    assert profile["previous_period"] == "2017-Q2"
    line = next(x for x in profile["indicators"] if x["code"] == "K-SGB2")
    assert line["large_deviation"] and line["stadtbezirk_share"] < line["share"]
    assert "Jobcenter-8" in [m["code"] for m in profile["measures"]]
    missing = client.get("/api/v1/orte/Atlantis")
    assert missing.status_code == 404 and "Unbekannter Ort" in missing.get_json()["error"]
    bad_period = client.get("/api/v1/orte?period=2030-Q1")
    assert bad_period.status_code == 404
