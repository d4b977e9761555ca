"""Browser-suite fixtures: an English-speaking browser and the demo, committed for live_server."""

from pathlib import Path

import pytest
from django.conf import settings


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    # An English browser: the portal speaks Chinese anyway until the user picks English.
    return {**browser_context_args, "locale": "en-US", "viewport": {"width": 1280, "height": 900}}


@pytest.fixture
def demo_live(transactional_db, live_server):
    """The demo world, committed, so the live server's thread sees it."""
    from pilot_portal.demo.services import demo_seed

    return demo_seed(
        seed_file=Path(settings.SEED_DATA_DIR) / "seed-cities.json", password=settings.DEMO_PASSWORD
    )
