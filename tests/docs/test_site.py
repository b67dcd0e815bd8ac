"""The documentation site (``mkdocs.yml``): every page of ``docs/`` is in its nav.

``make docs`` builds the site in strict mode and already fails on a page left out
of the nav; this says which page, in the pytest run, without the docs tools.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "mkdocs.yml"


class _Loader(yaml.SafeLoader):
    """A safe loader that reads mkdocs' tags (``!!python/name:...``, ``!ENV``) as plain values."""


def _any_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    """``!!python/name:a.b`` as ``"a.b"``, any other tagged value as its plain value."""
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node) or suffix.partition(":")[2]
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)  # type: ignore[arg-type]


_Loader.add_multi_constructor("tag:yaml.org,2002:python/", _any_tag)
_Loader.add_multi_constructor("!", _any_tag)


def load_yaml(text: str) -> Any:
    return yaml.load(text, Loader=_Loader)  # noqa: S506 (a SafeLoader subclass)


def load_config() -> dict[str, Any]:
    config = load_yaml(CONFIG.read_text(encoding="utf-8"))
    assert isinstance(config, dict)
    return config


def nav_pages(nav: Any) -> list[str]:
    """Every page path in a mkdocs nav: ``- page.md``, ``- Title: page.md``, sections."""
    if isinstance(nav, str):
        return [] if "://" in nav else [nav]
    if isinstance(nav, list):
        return [page for item in nav for page in nav_pages(item)]
    if isinstance(nav, dict):
        return [page for value in nav.values() for page in nav_pages(value)]
    return []


def docs_dir() -> Path:
    return ROOT / load_config().get("docs_dir", "docs")


def test_every_page_is_in_the_nav() -> None:
    pages = {path.relative_to(docs_dir()).as_posix() for path in docs_dir().rglob("*.md")}
    missing = sorted(pages - set(nav_pages(load_config()["nav"])))
    assert not missing, f"Add these pages of docs/ to the nav of mkdocs.yml: {missing}"


def test_every_nav_entry_is_a_page() -> None:
    entries = nav_pages(load_config()["nav"])
    absent = sorted(page for page in entries if not (docs_dir() / page).is_file())
    assert not absent, f"mkdocs.yml's nav names pages that docs/ does not have: {absent}"
    duplicated = sorted({page for page in entries if entries.count(page) > 1})
    assert not duplicated, f"Pages listed twice in mkdocs.yml's nav: {duplicated}"


def test_the_loader_reads_python_name_tags() -> None:
    config = load_yaml(
        "emoji_index: !!python/name:material.extensions.emoji.twemoji\nx: !ENV [HOME, /]\n"
    )
    assert config == {"emoji_index": "material.extensions.emoji.twemoji", "x": ["HOME", "/"]}
