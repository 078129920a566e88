"""Shared pytest setup. Fixtures live in ``tests/fixtures_*.py`` modules, all registered here."""

from pathlib import Path

pytest_plugins = [f"tests.{path.stem}" for path in sorted(Path(__file__).parent.glob("fixtures_*.py"))]
