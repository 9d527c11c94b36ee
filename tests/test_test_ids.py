"""Every test id (`test_view008_…`: letters, then three digits) names one test in the whole
repository, so an id in an issue, a commit or a report points at exactly one test."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ID = re.compile(r"test_([a-z][a-z0-9]*?\d{3})(?:_|$)")


def test_ids001_no_test_id_is_used_twice() -> None:
    found: dict[str, list[str]] = defaultdict(list)
    for path in sorted(TESTS.rglob("test_*.py")):
        if "node_modules" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                match = ID.match(node.name)
                if match:
                    found[match.group(1)].append(f"{path.relative_to(TESTS)}:{node.lineno}")
    twice = {test_id: places for test_id, places in found.items() if len(places) > 1}
    assert not twice, f"test ids used more than once (renumber the later one): {twice}"
    assert len(found) > 300  # the pattern still finds the ids
