"""Every failure answered in German: an HTML page for pages, JSON for the API and Dash's requests.

Without these handlers Flask answers with its English defaults ("Internal Server Error"). A
database that cannot be reached (server down, connections refused, pool exhausted) is answered
with 503 and a sentence saying so; the engine reconnects by itself once it is back (PostgreSQL
checks each pooled connection before use), so the app recovers without a restart.
"""

from __future__ import annotations

import html

from flask import Flask, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError

from db.engine import DatabaseError

# Requests whose answer a program reads: the API and the Dash renderer's own requests.
JSON_PREFIXES = ("/api/", "/_dash-")
DATABASE_DOWN = (
    "Die Datenbank ist gerade nicht erreichbar. Bitte in einigen Minuten erneut versuchen; "
    "besteht das Problem weiter, bitte die Administration verständigen."
)
UNEXPECTED = (
    "Ein unerwarteter Fehler ist aufgetreten. Bitte die Seite neu laden; besteht der Fehler "
    "weiter, bitte die Administration verständigen."
)
# (title, sentence) per status for the errors nobody answers more specifically.
WORDS = {
    400: ("Ungültige Anfrage", "Die Anfrage war fehlerhaft und wurde nicht bearbeitet."),
    401: ("Anmeldung erforderlich", "Bitte zuerst anmelden."),
    403: ("Keine Berechtigung", "Für diese Anfrage fehlt die Berechtigung."),
    404: ("Seite nicht gefunden", "Diese Adresse gibt es nicht."),
    429: ("Zu viele Anfragen", "Zu viele Anfragen. Bitte später erneut versuchen."),
    500: ("Fehler", UNEXPECTED),
    503: ("Datenbank nicht erreichbar", DATABASE_DOWN),
}


def register_error_pages(server: Flask) -> None:
    server.register_error_handler(413, _too_large)
    server.register_error_handler(404, _not_found)
    server.register_error_handler(405, _not_allowed)
    server.register_error_handler(500, _internal)
    server.register_error_handler(HTTPException, _http_error)
    for database_down in (OperationalError, InterfaceError, PoolTimeout):
        server.register_error_handler(database_down, _database_down)
    server.register_error_handler(DatabaseError, _database_error)


def wants_json() -> bool:
    return request.path.startswith(JSON_PREFIXES)


def json_error(status: int, message: str) -> Response:
    response = jsonify({"error": message, "status": status})
    response.status_code = status
    return response


def german_page(title: str, text: str) -> str:
    links = current_app.config.get("ZC_LOGIN_CSS", [])
    css = "".join(f'<link rel="stylesheet" href="{html.escape(href)}">' for href in links)
    return (
        f'<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>{html.escape(title)}'
        f' – Zielcockpit</title>{css}</head><body><main class="container plain-message">'
        f'<h1 class="h3">{html.escape(title)}</h1>'
        f'<p>{html.escape(text)}</p><p><a href="/">Zur Übersicht</a></p></main></body></html>'
    )


def error_answer(status: int, title: str, text: str) -> ResponseReturnValue:
    if wants_json():
        return json_error(status, text)
    return Response(german_page(title, text), status=status, mimetype="text/html")


def _too_large(_exc: Exception) -> ResponseReturnValue:
    mb = int(current_app.config["MAX_CONTENT_LENGTH"] / 1024 / 1024)
    return json_error(413, f"Die Datei ist zu groß (höchstens etwa {mb} MB).")


def _not_found(_exc: Exception) -> ResponseReturnValue:
    # Only routes outside Dash end here (Dash answers every page path itself).
    if request.path.startswith("/api/"):
        return json_error(404, f"Die Adresse {request.path} gibt es in der API nicht.")
    return error_answer(404, *WORDS[404])


def _not_allowed(_exc: Exception) -> ResponseReturnValue:
    message = f"Die Methode {request.method} ist für {request.path} nicht erlaubt."
    return error_answer(405, "Nicht erlaubt", message)


def _http_error(exc: HTTPException) -> ResponseReturnValue:
    status = exc.code or 500
    if status < 400:  # routing redirects (e.g. a missing trailing slash) are exceptions too
        return exc.get_response()
    title, text = WORDS.get(
        status, ("Fehler", f"Die Anfrage konnte nicht bearbeitet werden (HTTP {status}).")
    )
    return error_answer(status, title, text)


def _internal(exc: InternalServerError) -> ResponseReturnValue:
    # An unhandled exception; Flask has logged it with its traceback before calling this.
    original = getattr(exc, "original_exception", None)
    if isinstance(original, OperationalError | InterfaceError | PoolTimeout):
        return _database_down(original)
    return error_answer(500, *WORDS[500])


def _database_down(exc: Exception) -> ResponseReturnValue:
    current_app.logger.warning("Datenbank nicht erreichbar (%s): %s", request.path, exc)
    answer = error_answer(503, *WORDS[503])
    if isinstance(answer, Response):
        answer.headers["Retry-After"] = "30"
    return answer


def _database_error(exc: DatabaseError) -> ResponseReturnValue:
    # Our own database errors carry a complete German sentence (e.g. a writer still busy).
    current_app.logger.warning("Datenbankfehler (%s): %s", request.path, exc)
    return error_answer(503, "Datenbank", str(exc))
