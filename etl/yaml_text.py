"""YAML as the product reads it (catalogues, places, import profiles): numbers by the German rules.

YAML's own float syntax would make `3.000` three; written by a German controller it is three
thousand. Every scalar YAML takes for a float is read again by `zielcockpit.domain.german`, so a
YAML file means what the workbook and the form mean for the same text (`0.5` stays 0.5).
"""

from __future__ import annotations

from typing import Any

import yaml

from zielcockpit.domain.german import NumberError, plain_number, read_number

FLOAT_TAG = "tag:yaml.org,2002:float"


class GermanLoader(yaml.SafeLoader):
    """A SafeLoader whose floats follow the German reading rules."""


def _float(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    try:
        return plain_number(read_number(str(node.value).replace("_", "")))
    except NumberError:
        return loader.construct_yaml_float(node)  # „.inf“, „1e3“: YAML's own forms


GermanLoader.add_constructor(FLOAT_TAG, _float)


def load_yaml(text: str, loader: type[GermanLoader] = GermanLoader) -> Any:
    """Parse YAML text with the German number rules (raises yaml.YAMLError)."""
    return yaml.load(text, Loader=loader)  # noqa: S506 - a SafeLoader subclass
