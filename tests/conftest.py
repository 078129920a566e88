"""Shared pytest setup. Fixtures live in ``tests/fixtures_*.py`` modules, all registered here.

Tests are sorted by cost into folders (see ``tests/README.md``); every test under a folder of
``SLOW_FOLDERS`` (real processes, kill -9, throwaway clusters, outages) is marked ``slow``, so
``pytest -m "not slow"`` (``make check``) leaves them out.
"""

from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
SLOW_FOLDERS = frozenset({"e2e", "faults"})

pytest_plugins = [f"tests.{path.stem}" for path in sorted(TESTS.glob("fixtures_*.py"))]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``slow`` every test whose file lies under a slow folder."""
    for item in items:
        path = item.path.resolve()
        if path.is_relative_to(TESTS) and path.relative_to(TESTS).parts[0] in SLOW_FOLDERS:
            item.add_marker(pytest.mark.slow)
