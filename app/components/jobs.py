"""A job's progress as the browser shows it: a bar with the share done and what happens now."""

from __future__ import annotations

from dash import html

from zielcockpit.domain.formatting import fmt_number


def job_progress(progress: int, message: str, bar_id: str) -> html.Div:
    """A native progress bar named by its label (the step in words), its share also as text."""
    share = f"{fmt_number(progress)}\u00a0%"
    return html.Div(
        [
            html.Label(message, htmlFor=bar_id, className="job-message"),
            html.Div(
                [
                    html.Progress(id=bar_id, value=str(progress), max="100", className="job-bar"),
                    html.Span(share, className="job-share"),
                ],
                className="job-line",
            ),
        ],
        className="job-progress",
        role="status",
    )
