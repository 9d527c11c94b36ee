"""The traffic light as it looks everywhere: colour + shape + word (design.md, „Die Ampeln“)."""

from __future__ import annotations

from typing import Any

from dash import html

from zielcockpit.domain.vocabulary import LIGHT_MEANINGS, LIGHT_SHAPES, LIGHT_WORDS, LIGHTS, Light

SHAPES = LIGHT_SHAPES
NO_LIGHT_SHAPE = "·"
NO_LIGHT_WORD = "nachrichtlich"
CHANGE_WORDS = {"worse": "verschlechtert", "better": "verbessert"}
CHANGE_SHAPES = {"worse": "↓", "better": "↑"}


def light_text(light: Light | None) -> str:
    """„● im Plan“: the shape and the word, for text-only places (tables, exports)."""
    if light is None:
        return f"{NO_LIGHT_SHAPE} {NO_LIGHT_WORD}"
    return f"{SHAPES[light]} {LIGHT_MEANINGS[light]}"


def light_title(light: Light | None) -> str:
    """„grün – im Plan“: colour word and meaning together."""
    if light is None:
        return "ohne Ampel (nachrichtlich)"
    return f"{LIGHT_WORDS[light]} – {LIGHT_MEANINGS[light]}"


def light_badge(light: Light | None, size: str = "md", manual: bool = False) -> html.Span:
    """A pill in the light's colour with dark text (WCAG AA on all four colours)."""
    key = light or "none"
    parts: list[html.Span | str] = [
        html.Span(SHAPES.get(light or "", NO_LIGHT_SHAPE), className="light-shape", **_hidden()),
        html.Span(LIGHT_MEANINGS.get(light or "", NO_LIGHT_WORD), className="light-word"),
    ]
    badge = html.Span(
        parts,
        className=f"light light-{key} light-{size}",
        title=light_title(light),
    )
    if not manual:
        return badge
    return html.Span([badge, manual_mark()], className="light-with-mark")


def manual_mark() -> html.Span:
    return html.Span("manuell", className="manual-mark", title="Ampel manuell gesetzt")


def light_cell(light: Light | None, future: bool = False) -> html.Span:
    """A compact scorecard cell: coloured box with the shape; the word shows where room allows."""
    if future:
        return html.Span("–", className="light-cell light-future", title="noch nicht berichtet")
    key = light or "none"
    return html.Span(
        [
            html.Span(
                SHAPES.get(light or "", NO_LIGHT_SHAPE), className="light-shape", **_hidden()
            ),
            html.Span(LIGHT_MEANINGS.get(light or "", NO_LIGHT_WORD), className="light-cell-word"),
        ],
        className=f"light-cell light-{key}",
        title=light_title(light),
    )


def change_mark(change: str | None) -> html.Span | None:
    if change is None:
        return None
    return html.Span(
        [html.Span(CHANGE_SHAPES[change], **_hidden()), f" {CHANGE_WORDS[change]}"],
        className=f"change change-{change}",
    )


def legend(extra: str | None = None) -> html.Div:
    """The four lights with their meaning; `extra` explains the thresholds."""
    items = [
        html.Li([light_badge(light, "sm"), html.Span(f" ({LIGHT_WORDS[light]})")])
        for light in LIGHTS
    ]
    return html.Div(
        [
            html.Ul(items, className="legend-list"),
            html.P(extra, className="legend-note") if extra else None,
        ],
        className="legend",
    )


def _hidden() -> dict[str, Any]:
    # The shape repeats the word for the eye; screen readers read the word only.
    return {"aria-hidden": "true"}
