"""The public view of a plan, /oeffentlich/<plan>: plain server-rendered HTML, without login.

Deliberately not a Dash page: a Dash page needs `/_dash-layout`, `/_dash-dependencies` and the
page-routing callback to answer without a login, and that callback renders whatever page its
`pathname` names. Served as one GET route, the public view opens exactly one address; every
Dash request and every API route stays behind the login (app/security.py). It has no callback,
no form and no script; a quarter is chosen with plain links (`?period=2017-Q2`).
"""

from __future__ import annotations

import logging
from html import escape

from flask import Blueprint, Response, current_app, request

from app.errors import german_page
from db.engine import DatabaseError
from zielcockpit.domain.formatting import fmt_date, fmt_number
from zielcockpit.domain.vocabulary import LIGHT_MEANINGS, LIGHT_SHAPES, LIGHTS
from zielcockpit.services.public import PublicRefused, PublicView, public_view

log = logging.getLogger(__name__)

PREFIX = "/oeffentlich/"
public = Blueprint("oeffentlich", __name__)
SHAPES = LIGHT_SHAPES


def esc(text: object) -> str:
    return escape(str(text), quote=True)


def _light(light: str, manual: bool = False) -> str:
    mark = ' <span class="manual-mark">manuell</span>' if manual else ""
    return (
        f'<span class="light light-{light} light-md"><span class="light-shape" aria-hidden="true">'
        f'{SHAPES[light]}</span> <span class="light-word">{LIGHT_MEANINGS[light]}</span></span>'
        f"{mark}"
    )


def page_html(view: PublicView) -> str:
    """The public page (pure: the view in, HTML out; every text escaped)."""
    total = sum(view.counts.values())
    choices = " · ".join(
        f"<strong>{esc(p.label)}</strong>"
        if p == view.period
        else f'<a href="{PREFIX}{esc(view.plan_key)}?period={esc(p.key)}">{esc(p.label)}</a>'
        for p in view.released
    )
    counts = "".join(
        f'<div class="public-count light-border-{light}"><span class="public-count-n">'
        f"{fmt_number(view.counts[light])}</span> {_light(light)}</div>"
        for light in LIGHTS
    )
    released = f" (freigegeben am {fmt_date(view.released_on)})" if view.released_on else ""
    sections = []
    for cluster in view.clusters:
        summary = ", ".join(
            f"{fmt_number(cluster.counts[light])} {LIGHT_MEANINGS[light]}" for light in LIGHTS
        )
        items = []
        for m in cluster.measures:
            about = f"{esc(m.about)}: " if m.about else ""
            texts = "".join(
                f"<h4>{esc(heading)}</h4><p>{esc(text)}</p>" for heading, text in m.texts
            )
            comments = (
                "<h4>Anmerkung</h4>" + "".join(f"<p>{esc(c)}</p>" for c in m.comments)
                if m.comments
                else ""
            )
            details = (
                f"<details><summary>Texte des Plans</summary>{texts}{comments}</details>"
                if texts or comments
                else ""
            )
            items.append(
                '<li class="public-measure">'
                f'<p class="public-measure-head"><strong>{esc(m.code)}</strong> {esc(m.title)}'
                f' <span class="muted">({esc(m.owner)})</span></p>'
                f'<p>{_light(m.light, m.manual)} <span class="public-sentence">{about}'
                f"{esc(m.sentence)}</span></p>{details}</li>"
            )
        sections.append(
            f'<section class="panel"><h2>{esc(cluster.title)}</h2>'
            f'<p class="panel-sub">{summary}</p><ul class="public-measures">{"".join(items)}</ul>'
            "</section>"
        )
    demo = (
        '<div class="demo-band" role="note"><strong>Demodaten</strong> – die Werte auf dieser '
        "Seite sind erfundene Beispielwerte zur Vorführung, keine echten Zahlen.</div>"
        if view.demo
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="de"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(view.title)} – {esc(view.period.label)}</title>
<link rel="stylesheet" href="/assets/vendor/bootstrap-5.3.9/bootstrap.min.css">
<link rel="stylesheet" href="/assets/app.css">
<link rel="stylesheet" href="/assets/plain.css"></head>
<body><main class="container-fluid app-main page page-public" id="oeffentlich">
{demo}
<header class="page-header">
<p class="page-kicker">Öffentliche Ansicht · {esc(view.title)}</p>
<h1 class="page-title">Wie steht der Plan im {esc(view.period.label)}?</h1>
<p class="page-answer">{fmt_number(view.counts["green"])} von {fmt_number(total)} Maßnahmen sind im Plan{esc(released)}.</p>
<p class="public-quarters">Freigegebene Quartale: {choices}</p>
</header>
<section class="public-counts" aria-label="Maßnahmen je Ampel">{counts}</section>
{"".join(sections)}
<p class="muted">Gezeigt werden nur freigegebene Quartale. Grün ab 95 %, gelb ab 85 % des zu
diesem Zeitpunkt erwarteten Werts; grau: keine Bewertung (kein Wert oder kein Zielwert).</p>
</main></body></html>"""


def _refusal(text: str, status: int) -> Response:
    return Response(german_page("Nicht verfügbar", text), status=status, mimetype="text/html")


@public.get(PREFIX + "<plan_key>")
def show(plan_key: str) -> Response:
    period = request.args.get("period") or None
    try:
        view = public_view(current_app.config["ZC_ENGINE"], plan_key[:40], period)
    except PublicRefused as exc:
        return _refusal(str(exc), 404)
    except DatabaseError:
        log.exception("Datenbankfehler in der öffentlichen Ansicht")
        return _refusal("Die Datenbank ist gerade nicht erreichbar.", 503)
    response = Response(page_html(view), mimetype="text/html")
    response.headers["Cache-Control"] = "no-cache"
    return response
