"""The human-readable status table of `zielcockpit status` (without --json)."""

from __future__ import annotations

from db.status import StatusReport
from zielcockpit.domain.vocabulary import LIGHT_MEANINGS, LIGHT_SHAPES, LIGHT_WORDS

SHAPES: dict[str | None, str] = {key: shape for key, shape in LIGHT_SHAPES.items()}
SHAPES[None] = "·"


def light_text(light: str | None) -> str:
    if light is None:
        return "nachrichtlich"
    return f"{LIGHT_WORDS[light]} – {LIGHT_MEANINGS[light]}"


def render_table(report: StatusReport) -> str:
    counts = report.counts()
    lines = [
        f"{report.plan.title} – {report.period.label}",
        "  ".join(f"{SHAPES[k]} {LIGHT_MEANINGS[k]}: {v}" for k, v in counts.items()),
    ]
    if report.demo:
        lines.append("Hinweis: enthält Demodaten.")
    cluster_counts = report.cluster_counts()
    for cluster in report.plan.clusters:
        measures = [m for m in report.measures if m.info.cluster_id == cluster.id]
        c = cluster_counts[cluster.id]
        lines += [
            "",
            f"{cluster.title} ({', '.join(f'{LIGHT_WORDS[k]} {v}' for k, v in c.items())})",
        ]
        for m in measures:
            mark = " (manuell)" if m.override else ""
            lines.append(
                f"  {SHAPES[m.light]} {m.info.code:<12} {m.info.title[:60]:<60} "
                f"{light_text(m.light)}{mark}"
            )
            if m.override:
                lines.append(f"      Begründung: {m.override.justification}")
            for ind, j in m.indicators:
                lines.append(f"      {SHAPES[j.light]} {ind.code:<14} {j.explanation}")
    return "\n".join(lines)
