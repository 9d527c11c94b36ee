"""The walk over every page (tests/browser/walk.py) for Controlling and the administration."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.helpers import LiveServer
from tests.browser.walk import walk, walk_page

pytestmark = pytest.mark.browser


@walk(["demo-controlling", "demo-admin"])
def test_walk002_page_german_fits_without_barriers(
    role_contexts: Any, live_server: LiveServer, role: str, path: str
) -> None:
    walk_page(role_contexts, live_server, role, path)
