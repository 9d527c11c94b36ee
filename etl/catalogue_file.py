"""Read a catalogue file (YAML: a plan catalogue, or a places catalogue `kontext_*.yaml`) into
plain data, once, with the German messages that name the file and the line."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from etl.yaml_text import GermanLoader, load_yaml
from zielcockpit.domain.catalogue_checks import CONTEXT_KEY, LINE, CatalogueError


@dataclass(frozen=True)
class CatalogueFile:
    """One catalogue file as read: its name, its bytes (for the audit's checksum), its data."""

    name: str
    content: bytes
    data: dict[str, Any]
    places: bool  # a places catalogue (no plan, context indicators), else a plan catalogue


class _LineLoader(GermanLoader):
    """A YAML loader that remembers the line of every mapping, for messages that say where."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    mapping = loader.construct_mapping(node, deep=True)
    mapping[LINE] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_catalogue_file(path: Path) -> CatalogueFile:
    """A plan or places catalogue; a file that is neither: `CatalogueError` with its place."""
    try:
        content = path.read_bytes()
    except FileNotFoundError as exc:
        raise CatalogueError([f"Katalogdatei nicht gefunden: {path}"]) from exc
    places = _places_data(content)
    if places is not None:
        return CatalogueFile(path.name, content, places, places=True)
    return CatalogueFile(path.name, content, _plan_data(path.name, content), places=False)


def read_catalogue(path: Path) -> dict[str, Any]:
    """A plan catalogue's data, each mapping with its line (`LINE`)."""
    try:
        content = path.read_bytes()
    except FileNotFoundError as exc:
        raise CatalogueError([f"Katalogdatei nicht gefunden: {path}"]) from exc
    return _plan_data(path.name, content)


def _places_data(content: bytes) -> dict[str, Any] | None:
    """A places catalogue, read without the line marks (its checks name entries instead)."""
    try:
        data = load_yaml(content.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError):
        return None  # the plan reader reports what is wrong with the file
    if isinstance(data, dict) and "plan" not in data and CONTEXT_KEY in data:
        return data
    return None


def _plan_data(name: str, content: bytes) -> dict[str, Any]:
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogueError([f"{name}: keine UTF-8-Textdatei ({exc.reason})."]) from exc
    try:
        data = load_yaml(text, _LineLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f", Zeile {mark.line + 1}" if mark else ""
        raise CatalogueError([f"{name}{where}: kein gültiges YAML ({exc})."]) from exc
    if not isinstance(data, dict) or "plan" not in data:
        raise CatalogueError([f"{name}: Abschnitt „plan“ fehlt."])
    return data
