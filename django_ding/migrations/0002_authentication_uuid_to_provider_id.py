"""Replace ``Authentication.authentication_uuid`` (a UUID column) with
``provider_id`` (a string column), which also holds Prelude v2 ``vrf_`` ids.

Forward: every UUID is copied in its canonical form (lower case, with dashes,
``str(uuid.UUID(x))``) on every database; SQLite stores a ``UUIDField`` as 32
hex digits, so the copy goes through Python rather than a raw SQL cast. Rows
without an id keep ``NULL``.

Backward: the ids go back into a UUID column. A row whose id is not a UUID (a
Prelude v2 id) cannot be kept there, so the rollback refuses, before it changes
anything, and says how many rows are concerned and what to do with them.

Self-contained on purpose: it must keep working whatever the package's code
becomes.
"""

import uuid

from django.db import migrations, models
from django.db.migrations.exceptions import IrreversibleError

BATCH_SIZE = 500


def _parse_uuid(value):
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def copy_uuids_to_provider_ids(apps, schema_editor):
    Authentication = apps.get_model("django_ding", "Authentication")
    rows = (
        Authentication.objects.using(schema_editor.connection.alias)
        .filter(authentication_uuid__isnull=False)
        .only("pk", "authentication_uuid")
        .order_by("pk")
    )
    batch = []
    for row in rows.iterator(chunk_size=BATCH_SIZE):
        row.provider_id = str(row.authentication_uuid)
        batch.append(row)
        if len(batch) == BATCH_SIZE:
            _save(Authentication, schema_editor, batch, "provider_id")
            batch = []
    _save(Authentication, schema_editor, batch, "provider_id")


def copy_provider_ids_to_uuids(apps, schema_editor):
    Authentication = apps.get_model("django_ding", "Authentication")
    rows = (
        Authentication.objects.using(schema_editor.connection.alias)
        .filter(provider_id__isnull=False)
        .only("pk", "provider_id")
        .order_by("pk")
    )
    batch = []
    for row in rows.iterator(chunk_size=BATCH_SIZE):
        # refuse_rollback_of_non_uuid_ids has checked that every id parses.
        row.authentication_uuid = uuid.UUID(row.provider_id)
        batch.append(row)
        if len(batch) == BATCH_SIZE:
            _save(Authentication, schema_editor, batch, "authentication_uuid")
            batch = []
    _save(Authentication, schema_editor, batch, "authentication_uuid")


def _save(model, schema_editor, batch, field):
    # bulk_update leaves updated_at (auto_now) alone: the history keeps its times.
    if batch:
        model.objects.using(schema_editor.connection.alias).bulk_update(batch, [field])


def refuse_rollback_of_non_uuid_ids(apps, schema_editor):
    """Runs first when the migration is unapplied: stop before any change if
    some ids cannot go back into a UUID column."""
    Authentication = apps.get_model("django_ding", "Authentication")
    ids = (
        Authentication.objects.using(schema_editor.connection.alias)
        .filter(provider_id__isnull=False)
        .values_list("provider_id", flat=True)
    )
    count = sum(1 for value in ids.iterator(chunk_size=2000) if _parse_uuid(value) is None)
    if count:
        raise IrreversibleError(
            f"Cannot unapply django_ding.0002_authentication_uuid_to_provider_id: "
            f"{count} authentication(s) hold a provider id that is not a UUID (a Prelude "
            f"v2 id such as vrf_...), which the old authentication_uuid column cannot "
            f"store. Nothing was changed. Delete those rows, or clear their ids with "
            f"Authentication.objects.filter(provider_id__startswith='vrf_')"
            f".update(provider_id=None) (a Ding v1 backend cannot use them anyway), "
            f"then migrate again."
        )


class Migration(migrations.Migration):

    dependencies = [
        ("django_ding", "0001_initial_history"),
    ]

    operations = [
        migrations.AddField(
            model_name="authentication",
            name="provider_id",
            field=models.CharField(
                blank=True,
                editable=False,
                help_text=(
                    "The provider's id: a Ding v1 UUID or a Prelude v2 `vrf_` id; "
                    "empty until the provider has answered."
                ),
                max_length=64,
                null=True,
                unique=True,
                verbose_name="provider id",
            ),
        ),
        migrations.RunPython(copy_uuids_to_provider_ids, copy_provider_ids_to_uuids),
        migrations.RemoveField(
            model_name="authentication",
            name="authentication_uuid",
        ),
        # Last forward, so first backward: the check runs before the column
        # comes back or any row is touched.
        migrations.RunPython(migrations.RunPython.noop, refuse_rollback_of_non_uuid_ids),
    ]
