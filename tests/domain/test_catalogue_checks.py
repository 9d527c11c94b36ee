"""The catalogue's checks on plain data, without a database or a file."""

from __future__ import annotations

from typing import Any

from zielcockpit.domain.catalogue_checks import (
    LINE,
    check_catalogue,
    check_index_definition,
    check_places_catalogue,
)


def _plan(**indicator: Any) -> dict[str, Any]:
    ind = {"code": "A-1.1", "name": "Plätze", "kind": "count", "direction": "higher", LINE: 9}
    ind.update(indicator)
    return {
        "plan": {"key": "p", "titel": "P", "jahr": 2024, "kommune": "K", "art": "a", LINE: 1},
        "organisationseinheiten": [{"code": "1", "name": "OE", LINE: 3}],
        "handlungsfelder": [{"key": "A", "titel": "A", LINE: 5}],
        "massnahmen": [
            {"code": "A-1", "titel": "M", "handlungsfeld": "A", "oe": "1", "indikatoren": [ind]}
        ],
    }


def test_cch001_a_sound_catalogue_has_no_problem() -> None:
    assert check_catalogue(_plan(target=10), "k.yaml") == []


def test_cch002_rejections_name_file_line_and_entry() -> None:
    problems = check_catalogue(_plan(kind="quota", target="drei"), "k.yaml")
    assert any(
        p.startswith("k.yaml, Zeile 9: Indikator A-1.1: „kind“ ist „quota“") for p in problems
    )
    assert any("„target“ muss eine Zahl sein, gefunden: „drei“" in p for p in problems)


def test_cch003_a_code_twice_is_refused() -> None:
    data = _plan()
    measure = data["massnahmen"][0]
    measure["indikatoren"].append(dict(measure["indikatoren"][0], **{LINE: 12}))
    problems = check_catalogue(data, "k.yaml")
    assert (
        "k.yaml, Zeile 12: Indikator A-1.1: Code kommt doppelt vor (zuerst in Zeile 9)." in problems
    )


def test_cch004_places_and_index_checks() -> None:
    data = {
        "orte": [{"name": "Mitte", "art": "dorf"}],
        "kontextindikatoren": [{"code": "EW", "name": "Einwohner", "bezug": "XX"}],
    }
    problems = check_places_catalogue(data, "kontext.yaml")
    assert any("kontext.yaml: Ort „Mitte“: „art“ ist „dorf“" in p for p in problems)
    assert (
        "kontext.yaml: Kontextindikator „EW“: Bezugsgröße „XX“ ist kein Kontextindikator."
        in problems
    )
    index = {
        "ebene": "stadtteil",
        "bestandteile": [{"code": "EW", "richtung": "hoeher_belastet", "gewicht": "0"}],
    }
    assert check_index_definition(index, {"EW"}, "S") == [
        "S: Sozialindex, Bestandteil 1 („EW“): das Gewicht muss größer als 0 sein, gefunden: „0“."
    ]
