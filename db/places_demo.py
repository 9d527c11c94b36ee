"""Deterministic demo context values for the ten Stadtbezirke, a few Stadtteile and the city
(marked demo), in plausible orders of magnitude for Bielefeld (about 334,000 inhabitants).

Two cases are built in on purpose: Gadderbaum's single parents are suppressed („*“) in the
third quarter, and Eckardtsheim has no figure for migrants, so the index shows both as „nicht
berechenbar“ instead of ranking them.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from db.models import KontextIndikator, KontextWert, Ort
from db.places import write_context_values
from zielcockpit.domain.value_rows import ContextValueRow

# place: (inhabitants, % under 18, % 60+, % 15–64, % unemployed of 15–64, % SGB II,
#         % of under 18 in SGB II, % single parents in SGB II, % migrants)
BEZIRKE = {
    "Mitte": (80200, 14.8, 22.9, 69.0, 7.9, 14.1, 24.8, 1.6, 38.5),
    "Schildesche": (42100, 15.6, 27.4, 64.0, 5.6, 9.8, 17.6, 1.1, 29.0),
    "Gadderbaum": (10100, 14.2, 30.1, 62.0, 3.9, 5.2, 8.9, 0.6, 22.4),
    "Brackwede": (41300, 17.1, 26.0, 64.5, 6.4, 11.6, 21.3, 1.3, 33.1),
    "Dornberg": (19600, 16.8, 29.5, 62.0, 3.1, 3.9, 6.2, 0.4, 17.8),
    "Jöllenbeck": (22400, 18.2, 26.1, 63.5, 4.0, 5.7, 9.8, 0.7, 20.2),
    "Heepen": (46400, 18.4, 25.2, 64.0, 7.2, 13.7, 25.9, 1.5, 36.7),
    "Stieghorst": (31900, 18.0, 26.3, 63.8, 6.9, 12.4, 23.0, 1.4, 35.2),
    "Sennestadt": (21500, 18.7, 27.2, 63.0, 8.0, 15.3, 28.8, 1.7, 41.9),
    "Senne": (21000, 17.4, 26.8, 63.5, 4.6, 6.8, 11.7, 0.8, 22.9),
}
STADTTEILE = {
    "Baumheide": (10400, 21.3, 22.1, 63.0, 12.4, 27.8, 46.5, 2.9, 58.4),
    "Oldentrup": (6600, 17.2, 25.9, 64.0, 5.4, 9.1, 16.0, 1.0, 27.3),
    "Sieker": (12100, 17.6, 24.0, 65.0, 10.1, 21.6, 38.2, 2.2, 49.9),
    "Nördlicher Innenstadtrand": (15800, 15.2, 18.4, 72.0, 10.8, 20.3, 37.0, 2.0, 47.1),
    "Quelle": (7500, 16.3, 27.7, 63.0, 4.4, 6.1, 10.4, 0.7, 21.0),
    "Ummeln": (5500, 17.0, 26.5, 63.0, 3.8, 4.9, 8.1, 0.5, 18.6),
    "Theesen": (6100, 17.9, 27.0, 63.0, 3.6, 4.4, 7.5, 0.5, 16.9),
    "Hillegossen": (8400, 17.3, 27.9, 63.0, 4.9, 7.2, 12.5, 0.8, 24.4),
    "Eckardtsheim": (3600, 15.1, 24.5, 66.0, 9.3, 17.4, 31.0, 1.8, None),
    "Windelsbleiche": (6400, 18.1, 25.1, 64.0, 6.1, 10.2, 18.9, 1.2, 30.6),
}
SUPPRESSED = {("Gadderbaum", "K-AE", 3)}
QUARTERS = 3


def _figures(row: tuple[float | None, ...], quarter: int) -> dict[str, float | None]:
    """The absolute numbers of one place in a quarter; a small drift from quarter to quarter."""
    people, u18, old, working, unemployed, sgb2, sgb2_u18, single, migrants = row
    assert people is not None and u18 is not None and working is not None
    drift = 1 + 0.004 * (quarter - 1)
    ew = people * (1 + 0.001 * (quarter - 1))
    u18_abs = ew * u18 / 100
    working_abs = ew * working / 100
    return {
        "K-EW": ew,
        "K-U18": u18_abs,
        "K-60": None if old is None else ew * old / 100,
        "K-EW1564": working_abs,
        "K-AL": None if unemployed is None else working_abs * unemployed / 100 / drift,
        "K-SGB2": None if sgb2 is None else ew * sgb2 / 100 / drift,
        "K-SGB2-U18": None if sgb2_u18 is None else u18_abs * sgb2_u18 / 100 / drift,
        "K-AE": None if single is None else ew * single / 100,
        "K-MIG": None if migrants is None else ew * migrants / 100 * drift,
    }


def clear_context_demo(session: Session) -> None:
    """Remove the demo context values (they point to the demo import run that is replaced)."""
    session.execute(delete(KontextWert).where(KontextWert.demo.is_(True)))


def seed_context_demo(session: Session, year: int, run_id: int, user: str) -> int:
    """Write the demo context values of Q1–Q3 of `year`; returns how many were written."""
    indicator = dict(session.execute(select(KontextIndikator.code, KontextIndikator.id)).all())
    place = dict(session.execute(select(Ort.name, Ort.id)).all())
    if not indicator or "Bielefeld" not in place:
        return 0  # no places catalogue loaded: nothing to show
    clear_context_demo(session)
    rows: list[ContextValueRow] = []
    for quarter in range(1, QUARTERS + 1):
        period = f"{year}-Q{quarter}"
        city: dict[str, float] = {}
        for table in (BEZIRKE, STADTTEILE):
            for name, row in table.items():
                if name not in place:
                    continue
                for code, value in _figures(row, quarter).items():
                    if code not in indicator or value is None:
                        continue
                    if table is BEZIRKE:
                        city[code] = city.get(code, 0.0) + round(value)
                    suppressed = (name, code, quarter) in SUPPRESSED
                    rows.append(
                        ContextValueRow(
                            indicator[code],
                            place[name],
                            period,
                            None if suppressed else Decimal(round(value)),
                            "*" if suppressed else None,
                        )
                    )
        for code, total in city.items():
            rows.append(
                ContextValueRow(indicator[code], place["Bielefeld"], period, Decimal(total), None)
            )
    written, _ = write_context_values(session, rows, run_id, user, demo=True)
    return written
