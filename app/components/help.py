"""The help page's sections (/hilfe): plain German for someone who opens Zielcockpit first.

Pure: the plan's title and thresholds come in, Dash components go out. The accessibility
statement ("Erklärung zur Barrierefreiheit") is its own section, because public bodies must
publish one (BITV 2.0 § 7, and the same in the Länder's rules for municipal bodies).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dash import dcc, html

from app.components.common import attrs
from app.components.lights import light_badge
from zielcockpit.domain.formatting import fmt_attainment
from zielcockpit.domain.vocabulary import LIGHTS

# What a reader has to fill in before the statement is published (kept visible on purpose).
CONTACT_PLACEHOLDER = "[Name, Telefon und E-Mail der Ansprechstelle eintragen]"
STATEMENT_DATE = "November 2026"


@dataclass(frozen=True)
class HelpPlan:
    """What the help page says about the plan in view."""

    title: str
    green: float  # attainment needed for green, as a ratio (0.95)
    yellow: float


PAGES = [
    ("/", "Übersicht", "Wie steht der Plan im gewählten Quartal?"),
    (
        "/quartale",
        "Quartalsvergleich",
        "Wie haben sich die Ampeln von Quartal zu Quartal entwickelt?",
    ),
    (
        "/bezirke",
        "Bezirke",
        "Wie ist die soziale Lage in den Stadtbezirken und Stadtteilen (Karte, "
        "Sozialstrukturindex, Verteilung von Mitteln)?",
    ),
    (
        None,
        "Ortsprofil",
        "Wie steht ein Stadtteil im Vergleich mit seinem Stadtbezirk und der Gesamtstadt da?",
    ),
    ("/praesentation", "Ausschussmodus", "Wie zeige ich den Stand im Ausschuss, groß und lesbar?"),
    (
        None,
        "Handlungsfeld",
        "Welche Maßnahmen gehören zu einem Handlungsfeld, und wie stehen sie?",
    ),
    (None, "Maßnahme", "Ist diese Maßnahme im Plan, und warum (nicht)?"),
    ("/erfassung", "Erfassung", "Welche Werte hat meine Organisationseinheit erreicht?"),
    ("/import", "Import", "Was würde diese Datei ändern?"),
    ("/vollstaendigkeit", "Vollständigkeit", "Welche Werte fehlen noch für das Quartal?"),
    ("/protokoll", "Änderungsprotokoll", "Wer hat wann was geändert?"),
]

LIGHT_TEXTS = {
    "green": "grün, Kreis: der Indikator liegt im Plan.",
    "yellow": "gelb, Dreieck: der Indikator liegt etwas hinter dem Plan; hinsehen lohnt sich.",
    "red": "rot, Quadrat: der Indikator liegt deutlich hinter dem Plan.",
    "grey": "grau, Ring: keine Bewertung – kein Wert, nur ein Zeichen der Statistik oder kein "
    "Zielwert.",
}

KEYS = [
    ("Tab / Umschalt+Tab", "zum nächsten / vorigen Bedienelement"),
    ("Enter", "Link öffnen, Schaltfläche auslösen"),
    (
        "↑ / ↓ in einem Filter",
        "Auswahl ansehen; erst Enter oder Tab wendet sie an, Esc nimmt sie zurück",
    ),
    ("Alt+↓ in einem Filter", "Liste öffnen; Enter wählt"),
    ("→ oder Bild↓", "Ausschussmodus: nächste Folie"),
    ("← oder Bild↑", "Ausschussmodus: vorige Folie"),
    ("F", "Ausschussmodus: Vollbild an und aus"),
    ("Esc", "Ausschussmodus beenden (zurück zur Übersicht)"),
]


def _section(section_id: str, title: str, *children: Any) -> html.Section:
    return html.Section(
        [html.H2(title, id=f"{section_id}-titel"), *children],
        id=section_id,
        className="panel help-section",
        **attrs({"aria-labelledby": f"{section_id}-titel"}),
    )


def contents() -> html.Nav:
    items = [
        ("seiten", "Was beantwortet welche Seite?"),
        ("ampeln", "Die Ampeln"),
        ("begriffe", "Begriffe"),
        ("erfassen", "Werte erfassen und Dateien hochladen"),
        ("tastatur", "Tastatur"),
        ("fragen", "Wen fragen?"),
        ("barrierefreiheit", "Erklärung zur Barrierefreiheit"),
    ]
    return html.Nav(
        html.Ul([html.Li(html.A(title, href=f"#{key}")) for key, title in items]),
        className="help-contents",
        **attrs({"aria-label": "Inhalt dieser Seite"}),
    )


def pages_section() -> html.Section:
    rows = [
        html.Tr(
            [
                html.Th(dcc.Link(name, href=path) if path else name, scope="row"),
                html.Td(question),
            ]
        )
        for path, name, question in PAGES
    ]
    return _section(
        "seiten",
        "Was beantwortet welche Seite?",
        html.P(
            "Jede Seite beantwortet zuerst eine Frage, oben in großer Schrift; die Einzelheiten "
            "stehen darunter. Die Filter (Plan, Quartal, Handlungsfeld, Organisationseinheit, "
            "Leitsatz, Ampel) stehen in der Adresse der Seite: ein kopierter Link zeigt genau "
            "dieselbe Auswahl. Was Ihre Rolle nicht sehen darf, fehlt in der Navigation."
        ),
        html.Table(
            [
                html.Thead(html.Tr([html.Th("Seite", scope="col"), html.Th("Frage", scope="col")])),
                html.Tbody(rows),
            ],
            className="zc-table help-table",
        ),
    )


def lights_section(plan: HelpPlan) -> html.Section:
    green, yellow = fmt_attainment(plan.green), fmt_attainment(plan.yellow)
    items = [
        html.Li([light_badge(light), " – ", LIGHT_TEXTS[light]], className="help-light")
        for light in LIGHTS
    ]
    return _section(
        "ampeln",
        "Die Ampeln",
        html.P(
            "Eine Ampel ist immer Farbe, Form und Wort zugleich, damit sie auch ohne Farben "
            "(Farbsehschwäche, Schwarzweißdruck, Beamer) lesbar ist:"
        ),
        html.Ul(items, className="help-lights"),
        html.H3("So wird sie berechnet"),
        html.Ol(
            [
                html.Li(
                    "Erwartet (Soll) ist, was bis zum Ende des gewählten Quartals erreicht sein "
                    "sollte: der Zielwert anteilig vom 1. Januar bis zum Fälligkeitstag (oder "
                    "nach dem Quartalsplan der zuständigen Stelle)."
                ),
                html.Li(
                    "Zielerreichung ist Ist geteilt durch erwartet; wo weniger besser ist (zum "
                    "Beispiel eine Quote, die sinken soll), umgekehrt."
                ),
                html.Li(
                    f"Im Plan „{plan.title}“ gilt: grün ab {green} Zielerreichung, gelb ab "
                    f"{yellow}, darunter rot. Grau, wenn es nichts zu vergleichen gibt."
                ),
                html.Li(
                    "Eine Maßnahme zeigt die schlechteste Ampel ihrer steuernden Indikatoren, "
                    "in der Reihenfolge grün, grau, gelb, rot: ein unbekannter Stand gilt nie "
                    "als „im Plan“, ein bekannter Rückstand wiegt schwerer als ein unbekannter."
                ),
                html.Li(
                    "Eine Ampel kann von Hand gesetzt werden, nur mit schriftlicher Begründung; "
                    "sie trägt dann das Zeichen „manuell“, die Begründung steht auf der Seite "
                    "der Maßnahme."
                ),
            ]
        ),
        html.P(
            "Neben jeder Ampel steht ein Satz, der die Rechnung nennt, zum Beispiel "
            "„Ist 20 von erwartet 21 (Ziel 42 bis 31.12.; 95 %) – grün“."
        ),
    )


def terms_section() -> html.Section:
    terms = [
        ("Ist", "der gemeldete Wert; bei Zählungen über das Jahr aufsummiert."),
        ("Erwartet (Soll)", "was zum Quartalsende erreicht sein sollte (siehe oben)."),
        ("Zielwert", "was der Plan bis zum Fälligkeitstag erreichen will."),
        ("Zielerreichung", "Ist im Verhältnis zu erwartet, in Prozent."),
        (
            "Prognose",
            "der Wert, der am Jahresende zu erwarten ist, wenn es so weitergeht wie "
            "bisher; mit eigener Ampel.",
        ),
        (
            "nachrichtlich",
            "ein Indikator, der nur zur Information berichtet wird; er bekommt keine Ampel "
            "und zählt nicht für die Ampel der Maßnahme.",
        ),
        (
            "Zeichen der Statistik",
            "„*“ (geheim), „-“ (nichts), „x“ (nicht sinnvoll), „.“ (unbekannt), „...“ (kommt "
            "später): gespeichert als Zeichen, nie als 0.",
        ),
        ("Demodaten", "erfundene Beispielwerte; der gelbe Streifen oben sagt es auf jeder Seite."),
    ]
    return _section(
        "begriffe",
        "Begriffe",
        html.Dl(
            [part for term, text in terms for part in (html.Dt(term), html.Dd(text))],
            className="help-terms",
        ),
    )


def entry_section() -> html.Section:
    return _section(
        "erfassen",
        "Werte erfassen und Dateien hochladen",
        html.H3("Im Formular (Erfassung)"),
        html.Ol(
            [
                html.Li("Oben Quartal und Organisationseinheit wählen."),
                html.Li(
                    "Je Indikator den Wert eintragen: Zahlen im deutschen Format (1.234,5; "
                    "Quoten in Prozentpunkten, z. B. 45,5), ein Zeichen der Statistik oder bei "
                    "Meilensteinen den Sachstand. Ein leeres Feld ändert nichts."
                ),
                html.Li(
                    "Wird ein Indikator mit dem neuen Wert rot, ist ein Kommentar Pflicht; "
                    "eine manuelle Ampel braucht eine Begründung."
                ),
                html.Li(
                    "„Speichern“ (unten, immer sichtbar) prüft alles und speichert in einem "
                    "Schritt – oder nennt jeden Fehler und speichert nichts."
                ),
            ]
        ),
        html.H3("Als Datei (Import)"),
        html.Ol(
            [
                html.Li(
                    "Eine Excel- oder CSV-Datei (.xlsx, .xls, .ods, .csv) in das Feld ziehen "
                    "oder mit Tab dorthin gehen und mit Enter auswählen. Am einfachsten ist die "
                    "Erfassungsvorlage Ihrer Organisationseinheit."
                ),
                html.Li(
                    "Die Vorschau zeigt das erkannte Format, jede Änderung (bisher → neu) und "
                    "jeden Fehler mit Blatt und Zelle. Noch ist nichts gespeichert."
                ),
                html.Li("„Übernehmen“ prüft noch einmal und speichert."),
            ]
        ),
        html.P(
            "Passt kein Format zu einer Datei, kann das Controlling ihren Aufbau mit „Aufbau "
            "anlernen“ zeigen: Kopfzeile, Beschriftungsspalte, welche Spalte und Zeile zu welchem "
            "Indikator gehört, woher Zeitraum und Ort kommen. Gespeichert als Importprofil, wird "
            "die nächste Datei in diesem Aufbau von selbst erkannt."
        ),
        html.P(
            "Jede Änderung steht mit Name, Zeit und Herkunft im Änderungsprotokoll; ersetzte "
            "Werte bleiben als frühere Fassung erhalten. Auf der Seite einer Maßnahme zeigt "
            "„Herkunft der Werte“ → „Quelle“ die Zelle der Originaldatei, aus der eine Zahl stammt."
        ),
    )


def keys_section() -> html.Section:
    return _section(
        "tastatur",
        "Tastatur",
        html.P(
            "Alles lässt sich ohne Maus bedienen. Die erste Taste Tab führt zu „Zum Inhalt "
            "springen“. Nach einem Seitenwechsel steht der Fokus auf der Überschrift der neuen "
            "Seite, nach einer Filteränderung bleibt er auf dem Filter."
        ),
        html.Table(
            [
                html.Thead(
                    html.Tr([html.Th("Taste", scope="col"), html.Th("Wirkung", scope="col")])
                ),
                html.Tbody(
                    [
                        html.Tr([html.Th(html.Kbd(key), scope="row"), html.Td(text)])
                        for key, text in KEYS
                    ]
                ),
            ],
            className="zc-table help-table help-keys",
        ),
    )


def contact_section() -> html.Section:
    return _section(
        "fragen",
        "Wen fragen?",
        html.Ul(
            [
                html.Li(
                    "Fragen zu den Zahlen einer Maßnahme: die zuständige Organisationseinheit "
                    "(steht auf der Seite der Maßnahme)."
                ),
                html.Li(
                    "Fragen zu Plan, Ampelregeln, Import und Zugängen: das Controlling des "
                    f"Sozialdezernats – {CONTACT_PLACEHOLDER}."
                ),
            ]
        ),
    )


def accessibility_section() -> html.Section:
    return _section(
        "barrierefreiheit",
        "Erklärung zur Barrierefreiheit",
        html.P(
            "Das Sozialdezernat ist bemüht, das Zielcockpit barrierefrei zugänglich zu machen. "
            "Rechtsgrundlage ist die Barrierefreie-Informationstechnik-Verordnung (BITV 2.0) "
            "bzw. die entsprechende Verordnung des Landes; sie verweist auf die europäische "
            "Norm EN 301 549 und damit auf die Web Content Accessibility Guidelines (WCAG) 2.1, "
            "Stufe AA."
        ),
        html.H3("Stand der Vereinbarkeit"),
        html.P(
            "Das Zielcockpit ist mit diesen Anforderungen weitgehend vereinbar. Jede Seite wird "
            "bei jeder Änderung der Software automatisch mit dem Prüfwerkzeug axe-core gegen "
            "alle Kriterien der WCAG 2.0 und 2.1 der Stufen A und AA geprüft, für jede Rolle, "
            "auf großen Bildschirmen und bei 1024 × 768 Bildpunkten; die Bedienung mit der "
            "Tastatur wird ebenfalls automatisch getestet. Eine Prüfung durch eine externe "
            f"Prüfstelle steht noch aus. Diese Erklärung wurde im {STATEMENT_DATE} erstellt."
        ),
        html.H3("Was noch nicht barrierefrei ist"),
        html.Ul(
            [
                html.Li(
                    "Diagramme (Balken, Verlauf der Quartale) sind Bilder. Alle ihre Zahlen "
                    "stehen daneben in Tabellen und Sätzen."
                ),
                html.Li(
                    "Die großen Tabellen (Quartalsvergleich, Änderungsprotokoll) sind "
                    "interaktive Raster; Sortieren und Filtern gehen mit der Tastatur, manche "
                    "Bildschirmleser lesen leere Zeilengruppen des Rasters vor. Dieselben "
                    "Daten gibt es als Excel-Datei."
                ),
                html.Li(
                    "Heruntergeladene Excel-Dateien und hochgeladene Dateien werden nicht auf "
                    "Barrierefreiheit geprüft."
                ),
                html.Li(
                    "Die Anmeldeseite verweist noch nicht auf diese Erklärung; sie ist nach "
                    "der Anmeldung über „Hilfe“ in der Navigation erreichbar."
                ),
            ]
        ),
        html.H3("Barriere melden"),
        html.P(
            "Wenn Ihnen eine Barriere auffällt oder Sie Inhalte in einer anderen Form brauchen, "
            f"melden Sie sich bitte: {CONTACT_PLACEHOLDER}."
        ),
        html.H3("Schlichtungsverfahren"),
        html.P(
            "Bleibt Ihre Meldung ohne zufriedenstellende Antwort, können Sie sich an die "
            "zuständige Schlichtungs- bzw. Ombudsstelle für barrierefreie Informationstechnik "
            "wenden: [Stelle des Landes mit Anschrift eintragen]."
        ),
    )
