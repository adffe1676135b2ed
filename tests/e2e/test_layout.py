"""Layout checks in a real browser: wide tables scroll inside their own box, never the page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_journey_partners import sign_in
from tests.factories import AdministratorFactory, EnvironmentFactory, plan

pytestmark = pytest.mark.e2e


def _page_overflow(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


@pytest.mark.parametrize(
    ("width", "path"),
    [(390, "/partners/partnerships/"), (1280, "/settings/subscription/")],
)
def test_wide_tables_do_not_make_the_page_scroll_sideways(
    page: Page, browser: Browser, portal: Any, width: int, path: str
) -> None:
    environment = EnvironmentFactory(plan=plan("basic"))
    AdministratorFactory(environment=environment, email="lies@layout.example")
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(path)
    sign_in(page, "lies@layout.example")
    expect(page.get_by_role("table").first).to_be_visible()
    page.wait_for_load_state("load")

    assert _page_overflow(page) == 0
