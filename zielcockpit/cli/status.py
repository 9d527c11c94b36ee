"""`status`: a plan's lights for a period, as a table or as JSON (`--json`)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from zielcockpit.cli.common import open_engine
from zielcockpit.domain.vocabulary import LIGHT_MEANINGS, LIGHT_SHAPES, LIGHT_WORDS
from zielcockpit.services.evaluation import StatusReport
from zielcockpit.settings import Settings

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


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    from zielcockpit.services.evaluation import plan_status, report_json

    engine = open_engine(settings)
    report = plan_status(engine, args.plan, args.period, settings.today)
    if args.json:
        json.dump(report_json(report), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        print(render_table(report))
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("status", help="Ampelstatus eines Plans für einen Zeitraum")
    p.add_argument("--plan", required=True, help="Plan, z. B. 2017")
    p.add_argument("--period", required=True, help="Zeitraum: 2017, 2017-Q2 oder 2017-06")
    p.add_argument("--json", action="store_true", help="als JSON ausgeben")
    p.set_defaults(func=cmd_status)
