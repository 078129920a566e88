"""`pip install .` gives a working `wirewatch`: the wheel carries every package, the sample feeds and the
migrations, and declares the console script."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    [path] = out.glob("wirewatch-*.whl")
    return zipfile.ZipFile(path)


PACKAGE_ROOTS = ("bot", "feeds", "storage")
NOT_SHIPPED = ("__pycache__",)


def tree_files() -> set[str]:
    """Every module and data file under the package roots, found by walking the tree (caches left out)."""
    return {
        path.relative_to(ROOT).as_posix()
        for root in PACKAGE_ROOTS
        for path in (ROOT / root).rglob("*")
        if path.is_file() and not set(path.relative_to(ROOT).parts) & set(NOT_SHIPPED)
    }


def test_the_tree_walk_finds_sub_packages_and_data() -> None:
    files = tree_files()
    assert {"bot/entry/cli.py", "storage/migrations/__init__.py", "feeds/samples/zhwire.xml"} <= files
    assert "bot/chat/locales/zh_Hans/LC_MESSAGES/wirewatch.po" in files


def test_wheel_has_every_module(wheel: zipfile.ZipFile) -> None:
    missing = tree_files() - set(wheel.namelist())
    assert not missing, sorted(missing)


def test_wheel_has_sample_feeds_and_migrations(wheel: zipfile.ZipFile) -> None:
    names = wheel.namelist()
    samples = [n for n in names if n.startswith("feeds/samples/") and n.endswith(".xml")]
    assert len(samples) == len(list((ROOT / "feeds" / "samples").glob("*.xml"))) >= 3
    assert any(n.startswith("storage/migrations/m0001") for n in names)


def test_wheel_declares_the_console_script(wheel: zipfile.ZipFile) -> None:
    [entry_points] = [n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt")]
    assert "wirewatch = bot.entry.cli:main" in wheel.read(entry_points).decode()


def test_wheel_has_compiled_catalogs(wheel: zipfile.ZipFile) -> None:
    import io

    from babel.support import Translations

    from bot.chat.i18n import LOCALES

    names = set(wheel.namelist())
    for locale in LOCALES.values():
        folder = f"bot/chat/locales/{locale}/LC_MESSAGES"
        assert f"{folder}/wirewatch.po" in names
        compiled = Translations(io.BytesIO(wheel.read(f"{folder}/wirewatch.mo")), domain="wirewatch")
        if locale != "en":
            assert compiled.gettext("No subscriptions yet.") not in ("", "No subscriptions yet.")
    assert "bot/chat/locales/GLOSSARY.md" in names
