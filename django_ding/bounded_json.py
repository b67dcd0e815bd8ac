"""Decoding JSON from a peer we do not trust, without unbounded recursion.

Python's ``json`` decoder recurses once per level of nesting, in C. With the
default recursion limit a deeply nested text (``[[[[...`` 50 kB) raises
``RecursionError``; with a raised limit (``sys.setrecursionlimit``) or in a
thread with a small stack it overflows the C stack and kills the process.
:func:`loads` therefore measures the nesting first, with a flat scan that
never recurses, and refuses anything deeper than ``max_depth`` before the
decoder sees it.

Used for provider answers (:mod:`django_ding.backends.http`,
:meth:`django_ding.exceptions.DingAPIError.from_body`) and for the request
bodies of the sandbox's wire API.
"""

from __future__ import annotations

import json
import re
from typing import Any, Final

__all__ = ["MAX_JSON_DEPTH", "JSONTooDeep", "loads", "nesting_depth"]

#: Deepest nesting of arrays and objects decoded. The provider answers nest
#: 5 levels at most (a v2 history: lifecycle / events / attempt /
#: delivery_events / item); 64 leaves room for anything a provider may add.
MAX_JSON_DEPTH: Final = 64

# What the scan looks at: brackets, quotes and backslashes (inside a string,
# a backslash escapes the next character, which may be a quote).
_STRUCTURE = re.compile(r'[\[\]{}"\\]')
_DECODER = json.JSONDecoder()


class JSONTooDeep(ValueError):
    """The text nests arrays and objects deeper than allowed."""


def nesting_depth(text: str, *, stop_above: int | None = None) -> int:
    """How deeply ``text`` nests arrays and objects, ignoring brackets inside
    strings. The text need not be valid JSON. Iterative: no recursion, and
    the scan stops as soon as the depth passes ``stop_above``."""
    depth = deepest = 0
    in_string = False
    escaped_at = -1
    for match in _STRUCTURE.finditer(text):
        char = match.group()
        position = match.start()
        if in_string:
            if position == escaped_at:
                continue
            if char == "\\":
                escaped_at = position + 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if stop_above is not None and deepest > stop_above:
                    break
        elif char in "]}":
            depth -= 1
    return deepest


def loads(text: str, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads(text)``, but :class:`JSONTooDeep` (a ``ValueError``) for
    a text nested deeper than ``max_depth``.

    Raises ``ValueError`` for anything that is not JSON (an integer of more
    than 4,300 digits included). ``RecursionError`` cannot come out of it:
    should the stack already be nearly full when it is called, the decoder's
    own ``RecursionError`` is turned into :class:`JSONTooDeep` too.
    """
    if nesting_depth(text, stop_above=max_depth) > max_depth:
        raise JSONTooDeep(f"The JSON text is nested deeper than {max_depth} levels.")
    try:
        return _DECODER.decode(text)
    except RecursionError:
        raise JSONTooDeep("The JSON text is nested too deeply for the stack.") from None
