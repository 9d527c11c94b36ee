"""The manual holds together: every relative link in README.md and docs/*.md points to a file
that exists (and to a heading that exists, when it names one), and the README stays short."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
README_MAX_LINES = 200

FENCE = re.compile(r"^(```|~~~)")
INLINE_CODE = re.compile(r"`[^`\n]*`")
LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def prose_lines(text: str) -> list[str]:
    """The lines outside code fences, with inline code taken out (a link in code is no link)."""
    out, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line.strip()):
            fenced = not fenced
            continue
        if not fenced:
            out.append(INLINE_CODE.sub("", line))
    return out


def slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation gone, spaces as hyphens."""
    text = re.sub(r"[`*_]|\[([^\]]*)\]\([^)]*\)", r"\1", heading).strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    out: set[str] = set()
    fenced = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if FENCE.match(line.strip()):
            fenced = not fenced
            continue
        match = None if fenced else HEADING.match(line)
        if match:
            base = slug(match.group(2))
            n = seen.get(base, 0)
            seen[base] = n + 1
            out.add(base if n == 0 else f"{base}-{n}")
    return out


def broken_links(page: Path) -> list[str]:
    """Every relative link of a page that leads nowhere, as „page: target (why)“."""
    out = []
    for line in prose_lines(page.read_text(encoding="utf-8")):
        for target in LINK.findall(line):
            if re.match(r"^[a-z][a-z0-9+.-]*:", target):  # https:, mailto: …
                continue
            file_part, _, anchor = target.partition("#")
            linked = (page.parent / file_part).resolve() if file_part else page
            if not linked.exists():
                out.append(f"{page.name}: {target} (no such file)")
            elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
                out.append(f"{page.name}: {target} (no such heading)")
    return out


def test_docs001_pages_found() -> None:
    assert (REPO / "README.md").exists()
    assert len(PAGES) > 5


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_docs002_every_relative_link_leads_somewhere(page: Path) -> None:
    assert broken_links(page) == []


def test_docs003_readme_is_short() -> None:
    lines = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md: {len(lines)} lines"


def test_docs004_the_checker_finds_broken_links(tmp_path: Path) -> None:
    (tmp_path / "da.md").write_text("# Da\n\n## Ein Abschnitt „mit“ Zeichen\n", encoding="utf-8")
    page = tmp_path / "seite.md"
    page.write_text(
        "[gut](da.md) [gut](da.md#ein-abschnitt-mit-zeichen) [web](https://example.org)\n"
        "[fehlt](nicht-da.md) [falsch](da.md#gibt-es-nicht) `[code](nicht-da.md)`\n"
        "```\n[im Block](auch-nicht-da.md)\n```\n",
        encoding="utf-8",
    )
    assert broken_links(page) == [
        "seite.md: nicht-da.md (no such file)",
        "seite.md: da.md#gibt-es-nicht (no such heading)",
    ]
