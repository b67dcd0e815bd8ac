"""Database faults at a chosen statement, through ``connection.execute_wrapper``.

:func:`counting` counts the statements of a clean run; :func:`failing_at`
raises ``django.db.OperationalError`` instead of running the N-th statement
(0-based) seen while it is active, once (or ``times`` statements in a row),
as a database that drops one query would. Both may be limited to the
statements whose SQL contains ``match`` (a table name such as
``"django_ding_"``, or a verb such as ``"UPDATE"``; case-insensitive).

The fault is raised before the statement reaches the database, so on
PostgreSQL the surrounding transaction stays usable, as after a retried
serialization failure or a lost connection that was re-opened.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import OperationalError, connection

__all__ = ["Statements", "counting", "failing_at"]


@dataclass
class Statements:
    """The statements seen (matching ``match``) and the faults raised."""

    match: str | None = None
    seen: list[str] = field(default_factory=list)
    raised: list[str] = field(default_factory=list)

    def wanted(self, sql: str) -> bool:
        return self.match is None or self.match.lower() in sql.lower()

    def __len__(self) -> int:
        return len(self.seen)


@contextmanager
def counting(match: str | None = None) -> Iterator[Statements]:
    """Count the statements run inside the block (those containing ``match``)."""
    statements = Statements(match)

    def wrapper(
        execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        if statements.wanted(sql):
            statements.seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield statements


@contextmanager
def failing_at(index: int, match: str | None = None, times: int = 1) -> Iterator[Statements]:
    """Fail the ``index``-th statement (0-based, among those containing
    ``match``) with ``OperationalError``, and the ``times - 1`` after it."""
    statements = Statements(match)

    def wrapper(
        execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        if statements.wanted(sql):
            position = len(statements.seen)
            statements.seen.append(sql)
            if index <= position < index + times:
                statements.raised.append(sql)
                raise OperationalError(f"injected fault at statement {position}")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield statements
