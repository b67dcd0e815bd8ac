"""Data retention: delete old verification history in bounded memory.

:func:`purge_history` removes :class:`~django_ding.models.Authentication` rows
(their check, retry and event records go with them, by cascade) and
:class:`~django_ding.models.Feedback` rows created before a cut-off. It walks
primary keys in slices of ``batch_size`` and deletes one slice per query, so
memory stays bounded however large the tables are, and each batch commits on
its own: an interrupted purge leaves consistent data and can simply be run
again.

The limits of :mod:`django_ding.services` count rows of this history (sends
per phone, per IP, per hour, wrong codes per phone). Deleting rows younger
than the longest limit window would quietly reset those limits, so a cut-off
inside that window is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.db import models
from django.utils import timezone

from django_ding import conf
from django_ding.models import Authentication, Feedback, LimitLock

__all__ = ["MAX_BATCH_SIZE", "minimum_retention", "purge_history"]

#: Largest ``batch_size`` accepted: large enough to be fast, small enough to
#: keep memory and the ``IN (...)`` lists of each DELETE modest.
MAX_BATCH_SIZE = 10_000

#: Called after each batch with the model's label (``"django_ding.Authentication"``)
#: and the number of its rows deleted (or, on a dry run, that would be).
BatchCallback = Callable[[str, int], None]


def _seconds(value: int | tuple[int, int] | None) -> int:
    """Seconds of a ``(count, window)`` pair or a plain number; 0 when off."""
    if isinstance(value, tuple):
        return value[1]
    return value or 0


def minimum_retention() -> dt.timedelta:
    """The youngest history that may be deleted without weakening a limit:
    the longest window among the limit settings (at least one hour, the
    global cap's window). A wrong setting raises, naming it."""
    seconds = max(
        _seconds(conf.phone_failure_window()),
        _seconds(conf.client_failure_window()),
        _seconds(conf.send_limit_per_phone()),
        _seconds(conf.send_limit_per_ip()),
        _seconds(conf.send_cooldown()),
        _seconds(conf.authentication_ttl()),
        3600,
    )
    return dt.timedelta(seconds=seconds)


def purge_history(
    *,
    older_than: dt.timedelta,
    dry_run: bool = False,
    batch_size: int = 500,
    on_batch: BatchCallback | None = None,
) -> int:
    """Delete authentications (with their records) and feedback created more
    than ``older_than`` ago; return how many authentication and feedback rows
    were deleted (with ``dry_run=True``: would be, and nothing is deleted).

    Raises ``TypeError``/``ValueError`` for an ``older_than`` that is not a
    positive ``timedelta``, is shorter than :func:`minimum_retention` or
    reaches before year 1, and for a ``batch_size`` outside
    ``1..MAX_BATCH_SIZE``. Nothing is deleted when an argument is refused.
    """
    if not isinstance(older_than, dt.timedelta):
        raise TypeError(
            f"older_than must be a datetime.timedelta, not {type(older_than).__name__}."
        )
    if isinstance(batch_size, bool) or not isinstance(batch_size, int):
        raise TypeError(f"batch_size must be an int, not {type(batch_size).__name__}.")
    if not 1 <= batch_size <= MAX_BATCH_SIZE:
        raise ValueError(f"batch_size must be between 1 and {MAX_BATCH_SIZE}, not {batch_size}.")
    floor = minimum_retention()
    if older_than < floor:
        raise ValueError(
            f"older_than must be at least {floor} (the longest limit window in "
            f"settings.DING); deleting younger history would reset the limits."
        )
    try:
        cutoff = timezone.now() - older_than
    except OverflowError as err:
        raise ValueError(f"older_than={older_than} reaches before year 1.") from err

    total = 0
    for model in (Authentication, Feedback):
        total += _purge_model(
            model, cutoff, dry_run=dry_run, batch_size=batch_size, on_batch=on_batch
        )
    if not dry_run:
        # Lock rows only serialise limit checks; old ones are dead weight.
        LimitLock.objects.filter(locked_at__lt=cutoff).delete()
    return total


def _purge_model(
    model: type[Authentication] | type[Feedback],
    cutoff: dt.datetime,
    *,
    dry_run: bool,
    batch_size: int,
    on_batch: BatchCallback | None,
) -> int:
    old: models.QuerySet[models.Model] = model._default_manager.filter(created_at__lt=cutoff)
    label = model._meta.label
    if dry_run:
        count = old.count()
        if on_batch is not None:
            on_batch(label, count)
        return count
    deleted = 0
    last_pk: object = None
    while True:
        # Keyset pagination on the primary key: each slice is a fresh LIMIT
        # query, so only ``batch_size`` ids are ever held in memory.
        page = old.order_by("pk")
        if last_pk is not None:
            page = page.filter(pk__gt=last_pk)
        ids = list(page.values_list("pk", flat=True)[:batch_size])
        if not ids:
            return deleted
        last_pk = ids[-1]
        _, per_model = model._default_manager.filter(pk__in=ids).delete()
        count = per_model.get(label, 0)
        deleted += count
        if on_batch is not None:
            on_batch(label, count)
        if len(ids) < batch_size:
            return deleted
