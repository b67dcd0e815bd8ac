"""Build hook: compile the translations (.po -> .mo) into the built package.

Everything else is declared in pyproject.toml. Editable installs read the
source tree, where ``make`` runs ``compilemessages``.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithTranslations(build_py):
    """``build_py`` that also writes a ``.mo`` beside every ``.po``."""

    def run(self) -> None:
        super().run()
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po_path in Path(self.build_lib, "django_ding").rglob("*.po"):
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file)
            with po_path.with_suffix(".mo").open("wb") as mo_file:
                write_mo(mo_file, catalog)


setup(cmdclass={"build_py": BuildPyWithTranslations})
