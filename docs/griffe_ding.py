"""A griffe extension for the API reference (``mkdocs.yml``: mkdocstrings' python handler).

django-ding's docstrings are written for reading in the source, in reST habits;
this renders them on the site without changing them:

- ``:func:`get_backend```, ``:class:`~django_ding.models.Authentication```... become
  links to the object when the site documents it, and code otherwise (never a warning);
- an attribute without a docstring gets the comment block just above it (each signal's
  comment lists its keyword arguments; the ``#:`` comments of fields and enum members);
- ``django_ding.conf.DEFAULTS`` gets a table of every key, its default and the comment
  above it in the source, so the table cannot drift from the code.

Nothing is imported: griffe reads the source, so Django needs no settings here.
"""

from __future__ import annotations

import ast
import html
import re
from pathlib import Path
from typing import Any

import griffe

PACKAGE = "django_ding"

_ROLE = re.compile(
    r":(?:py:)?(?:func|class|data|mod|meth|attr|exc|obj|const):`(?P<tilde>~?)(?P<target>[^`]+)`"
)
_COMMENT = re.compile(r"^\s*#:?\s?(?P<text>.*)$")
_SECTION = re.compile(r"^-{2,}\s*(?P<title>.*?)\s*-*$")


class DingDocstrings(griffe.Extension):
    """Rewrite the docstrings of the ``django_ding`` package once it is loaded."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        if pkg.name != PACKAGE:
            return
        objects = list(_walk(pkg))
        for obj in objects:
            if isinstance(obj, griffe.Attribute) and obj.docstring is None:
                _docstring_from_comment(obj)
        conf = pkg.members.get("conf")
        if isinstance(conf, griffe.Module) and "DEFAULTS" in conf.members:
            _defaults_table(conf, conf.members["DEFAULTS"])
        for obj in objects:
            if obj.docstring is not None:
                obj.docstring.value = _markdown(obj.docstring.value, obj)


def _walk(obj: griffe.Object) -> Any:
    yield obj
    for member in obj.members.values():
        if not member.is_alias:
            yield from _walk(member)  # type: ignore[arg-type]


def _docstring_from_comment(attr: griffe.Attribute) -> None:
    """Use the ``#`` comment block right above an assignment (module or class level)."""
    if not attr.parent or attr.parent.is_function or not attr.lineno:
        return
    lines = attr.module.lines
    comment: list[str] = []
    index = attr.lineno - 2
    while index >= 0 and (match := _COMMENT.match(lines[index])):
        comment.insert(0, match["text"])
        index -= 1
    if comment:
        attr.docstring = griffe.Docstring(
            _join_comment(comment), lineno=index + 2, endlineno=attr.lineno - 1, parent=attr
        )


def _join_comment(comment: list[str]) -> str:
    """Comment lines as Markdown: ``name: text`` lines (a signal's arguments) become a list."""
    text: list[str] = []
    for line in comment:
        if re.match(r"^\w+: ", line) and not line.startswith(("Note", "See")):
            name, _, rest = line.partition(": ")
            if text and not text[-1].startswith("- "):
                text.append("")
            text.append(f"- `{name}`: {rest}")
        elif text and text[-1].startswith("- ") and line.startswith("  "):
            text[-1] += " " + line.strip()
        else:
            text.append(line)
    return "\n".join(text)


def _defaults_table(conf: griffe.Module, defaults: Any) -> None:
    """Append to ``DEFAULTS``'s docs a table per section: key, default, comment."""
    path = Path(str(conf.filepath))
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    node = next(
        (
            stmt.value
            for stmt in ast.parse(source).body
            if isinstance(stmt, ast.Assign | ast.AnnAssign)
            and isinstance(stmt.value, ast.Dict)
            and any(
                isinstance(t, ast.Name) and t.id == "DEFAULTS"
                for t in (stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target])
            )
        ),
        None,
    )
    if node is None:
        return
    out: list[str] = []
    previous_end = node.lineno  # the line holding "{"
    previous_key = ""
    for key, value in zip(node.keys, node.values, strict=True):
        if not isinstance(key, ast.Constant) or not isinstance(key.value, str):
            continue
        comment: list[str] = []
        for line in lines[previous_end : key.lineno - 1]:
            match = _COMMENT.match(line)
            if not match:
                continue
            section = _SECTION.match(match["text"])
            if section:
                out += ["", f"**{section['title']}**", "", "| key | default | meaning |"]
                out.append("|---|---|---|")
                comment = []
            else:
                comment.append(match["text"])
        meaning = " ".join(comment) or f"Goes with `{previous_key}` (the key above)."
        default = ast.get_source_segment(source, value) or ""
        out.append(f"| `{key.value}` | `{_cell(default)}` | {_cell(meaning)} |")
        previous_end = value.end_lineno or value.lineno
        previous_key = key.value
    table = "\n".join(out)
    if defaults.docstring is None:
        defaults.docstring = griffe.Docstring(table, parent=defaults)
    else:
        defaults.docstring.value += "\n" + table


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _markdown(text: str, obj: griffe.Object) -> str:
    """reST habits as Markdown: roles as optional cross-references, ``::`` as ``:``."""

    def role(match: re.Match[str]) -> str:
        target = match["target"].strip()
        title = target.rsplit(".", 1)[-1] if match["tilde"] else target
        identifier = _resolve(target.removesuffix("()"), obj)
        code = f"<code>{html.escape(title)}</code>"
        if identifier is None:
            return code
        return f'<autoref identifier="{html.escape(identifier)}" optional>{code}</autoref>'

    text = _ROLE.sub(role, text)
    text = re.sub(r"(?m)^(\s*)::\s*$", "", text)
    return re.sub(r"(?m)(\S)::$", r"\1:", text)


def _resolve(target: str, obj: griffe.Object) -> str | None:
    """The full path of ``target`` seen from ``obj``, if it is a django-ding object."""
    if target.startswith(PACKAGE + ".") or target == PACKAGE:
        return target
    head, _, tail = target.partition(".")
    try:
        resolved = obj.resolve(head)
    except griffe.NameResolutionError:
        return None
    if not resolved.startswith(PACKAGE):
        return None
    return f"{resolved}.{tail}" if tail else resolved
