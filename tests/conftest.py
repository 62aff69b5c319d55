from __future__ import annotations

import pytest

from tests.helpers import Api, make_api


@pytest.fixture
def api() -> Api:
    """A fresh fake with default settings, a virtual clock and seed 7."""
    return make_api()
