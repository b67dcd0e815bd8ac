"""Admin pagination whose cost does not grow with the table.

Django's changelist runs an exact ``COUNT(*)`` of the (filtered) rows on
every page, and its last page is an ``OFFSET`` as deep as the table. At
millions of history rows both grow with the table. :class:`BoundedPaginator`
instead:

- counts exactly, but at most :attr:`~BoundedPaginator.row_limit` + 1 rows
  (``SELECT COUNT(*) FROM (... LIMIT n)``, index-backed);
- above that, shows PostgreSQL's estimate of the total (the planner's row
  count of the same query, from ``EXPLAIN``); other databases count exactly;
- pages through the first :attr:`~BoundedPaginator.row_limit` rows only (the
  newest ones, in the changelist's order), so the deepest ``OFFSET`` is
  bounded: the last page costs about what the first does. Older rows are
  reached by narrowing the list (a date filter, a status, a search).
"""

from __future__ import annotations

import json
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.contrib.admin.views.main import ChangeList
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet

if TYPE_CHECKING:
    _Paginator = Paginator[Any]
else:  # not subscriptable at runtime
    _Paginator = Paginator

#: Rows counted exactly, and rows reachable by paging, per list.
ROW_LIMIT = 10_000


def estimated_count(queryset: QuerySet[Any]) -> int | None:
    """The planner's estimate of ``queryset``'s row count on PostgreSQL;
    ``None`` on other databases."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    sql, params = queryset.order_by().query.get_compiler(using=queryset.db).as_sql()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


class BoundedPaginator(_Paginator):
    """A paginator over the first :attr:`row_limit` rows, whose :attr:`total`
    is exact up to :attr:`row_limit` rows and an estimate above (on
    PostgreSQL). One count query per page, two above the limit."""

    row_limit = ROW_LIMIT

    @cached_property
    def total(self) -> int:
        """How many rows match: exact up to :attr:`row_limit`, estimated
        above on PostgreSQL (never less than ``row_limit + 1``)."""
        rows = self.object_list
        if not isinstance(rows, QuerySet):
            return len(rows)
        rows = rows.select_related(None)
        counted = rows.values("pk")[: self.row_limit + 1].count()
        if counted <= self.row_limit:
            return counted
        estimate = estimated_count(rows)
        if estimate is None:
            return rows.count()
        return max(estimate, counted)

    @cached_property
    def count(self) -> int:
        """The rows that pages reach: at most :attr:`row_limit`."""
        return min(self.total, self.row_limit)


class BoundedChangeList(ChangeList):
    """A changelist that shows :attr:`BoundedPaginator.total` as its result
    count (pages still stop at the paginator's row limit)."""

    def get_results(self, request: Any) -> None:
        super().get_results(request)
        paginator = self.paginator
        if isinstance(paginator, BoundedPaginator):
            self.result_count = paginator.total
