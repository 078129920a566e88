"""Build hook (the rest of the metadata is in pyproject.toml): compile the gettext catalogs into the wheel."""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
CATALOGS = "bot/chat/locales/*/LC_MESSAGES/*.po"


class BuildPyWithCatalogs(build_py):
    """``build_py`` plus ``.po`` → ``.mo`` for every catalog (fuzzy entries left out, as pybabel does)."""

    def run(self) -> None:
        super().run()
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in sorted(ROOT.glob(CATALOGS)):
            target = Path(self.build_lib) / po.relative_to(ROOT).with_suffix(".mo")
            target.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as source:
                catalog = read_po(source, locale=po.parts[-3])
            with target.open("wb") as out:
                write_mo(out, catalog)


setup(cmdclass={"build_py": BuildPyWithCatalogs})
