"""Data retention: delete old verification history in bounded memory.

:func:`purge_history` removes :class:`~django_ding.models.Authentication` rows
(with their check, retry and event records) and
:class:`~django_ding.models.Feedback` rows created before a cut-off. It walks
the primary key index in slices of ``batch_size``: each slice is one short
transaction that locks the slice's ids, deletes the records of the slice with
one ``DELETE`` per record table, unlinks the sends merged into it
(``SET_NULL``) and deletes the slice by its primary key range. No row is ever
loaded into Python, so memory stays flat however large the tables are, and the
statements per slice are a constant handful. An interrupted purge leaves
consistent data and can simply be run again.

The ``on_delete`` rules are read from the models, so a project's own foreign
keys to these models are honoured: ``CASCADE`` to a model with nothing
pointing at it and ``SET_NULL`` run as set statements; anything else
(``PROTECT``, deeper cascades, delete signal receivers) falls back to Django's
collector for that model, which loads each slice as today's ``delete()`` does.

The limits of :mod:`django_ding.services` count rows of this history (sends
per phone, per IP, per hour, wrong codes per phone). Deleting rows younger
than the longest limit window would quietly reset those limits, so a cut-off
inside that window is refused.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any, cast

from django.db import models, router, transaction
from django.db.models import signals
from django.db.models.deletion import (
    CASCADE,
    DO_NOTHING,
    SET_NULL,
    get_candidate_relations_to_delete,
)
from django.db.models.fields.reverse_related import ForeignObjectRel
from django.utils import timezone

from django_ding import conf
from django_ding.models import Authentication, Feedback, LimitLock

__all__ = ["DEFAULT_BATCH_SIZE", "MAX_BATCH_SIZE", "minimum_retention", "purge_history"]

#: Largest ``batch_size`` accepted: large enough to be fast, small enough to
#: keep each batch's transaction (and the locks it holds) short.
MAX_BATCH_SIZE = 10_000

#: Rows per batch by default: a batch holds its locks for tens of
#: milliseconds, and the fixed cost of its few statements is amortised (on
#: 500,000 rows, 2,000 is about a third faster than 500).
DEFAULT_BATCH_SIZE = 2_000

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
    batch_size: int = DEFAULT_BATCH_SIZE,
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
    using = router.db_for_write(model)
    old: models.QuerySet[models.Model] = model._default_manager.using(using).filter(
        created_at__lt=cutoff
    )
    label = model._meta.label
    if dry_run:
        count = old.count()
        if on_batch is not None:
            on_batch(label, count)
        return count
    steps = _dependent_steps(model)
    deleted = 0
    last_pk: object = None
    while True:
        with transaction.atomic(using=using):
            # Keyset pagination on the primary key index: the next slice of at
            # most ``batch_size`` old ids, locked so that no record can be
            # attached to them before they are gone. Only these ids are held
            # in memory; no row is ever loaded.
            page = old.order_by("pk")
            if last_pk is not None:
                page = page.filter(pk__gt=last_pk)
            ids = list(page.select_for_update().values_list("pk", flat=True)[:batch_size])
            if not ids:
                return deleted
            count = _delete_range(model, old, ids[0], ids[-1], steps, using)
        last_pk = ids[-1]
        deleted += count
        if on_batch is not None:
            on_batch(label, count)
        if len(ids) < batch_size:
            return deleted


@dataclasses.dataclass(frozen=True)
class _Dependent:
    """Rows of another model that point at the purged model through ``field``:
    deleted with them (``CASCADE``) or unlinked (``SET_NULL``)."""

    field: models.ForeignObject[Any, Any]
    cascade: bool


def _dependent_steps(model: type[models.Model]) -> list[_Dependent] | None:
    """What deleting ``model`` rows does to the rows pointing at them, as set
    statements; ``None`` when only Django's collector can honour it (delete
    signal receivers, a ``PROTECT``/``RESTRICT``/``SET(...)`` rule, a cascade
    that goes deeper, a generic relation, model inheritance)."""
    opts = model._meta
    if (
        signals.pre_delete.has_listeners(model)
        or signals.post_delete.has_listeners(model)
        or opts.parents
        or any(hasattr(field, "bulk_related_objects") for field in opts.private_fields)
    ):
        return None
    steps = []
    for relation in get_candidate_relations_to_delete(opts):
        field = cast(ForeignObjectRel, relation).field
        on_delete = field.remote_field.on_delete
        if on_delete is DO_NOTHING:
            continue
        if (
            on_delete is CASCADE
            and field.model is not model
            and _dependent_steps(field.model) == []
        ):
            # A leaf: its rows go with one DELETE, nothing to cascade further.
            steps.append(_Dependent(field, cascade=True))
        elif on_delete is SET_NULL:
            steps.append(_Dependent(field, cascade=False))
        else:
            return None
    return steps


def _delete_range(
    model: type[models.Model],
    old: models.QuerySet[models.Model],
    first: Any,
    last: Any,
    steps: list[_Dependent] | None,
    using: str,
) -> int:
    """Delete the old rows whose primary key is in ``first..last``, their
    dependents first, one statement per dependent model; return the count."""
    batch = old.filter(pk__gte=first, pk__lte=last).order_by()
    if steps is None:
        _, per_model = batch.delete()
        return per_model.get(model._meta.label, 0)
    for step in steps:
        field = step.field
        lookups: dict[str, Any] = {f"{field.name}__in": batch.values("pk")}
        if field.target_field == model._meta.pk:
            # The same range on the foreign key's own index.
            lookups[f"{field.attname}__gte"] = first
            lookups[f"{field.attname}__lte"] = last
        dependents = field.model._base_manager.using(using).filter(**lookups)
        if field.model is model:
            # Sends merged into another send of the same batch go with it:
            # only those outside the batch need their link cleared.
            dependents = dependents.exclude(pk__in=batch.values("pk"))
        if step.cascade:
            dependents._raw_delete(using)
        else:
            dependents.update(**{field.name: None})
    return int(batch._raw_delete(using))
