"""Shared fixtures. `demo_build` runs the real `make run` path once per test session."""

from __future__ import annotations

import pytest

from kansrijk import settings as settings_mod
from tests.support import kansrijk_env


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory) -> settings_mod.Settings:
    """The default demo landing set, refreshed and published exactly as `make run` does."""
    from kansrijk.refresh import refresh

    data = tmp_path_factory.mktemp("demo") / "data"
    with kansrijk_env(data) as s:
        settings_mod.check(s)
        refresh(s, log=lambda *_: None, quiet=True)
    return s
