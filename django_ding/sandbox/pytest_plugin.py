"""A pytest plugin with the ``ding_outbox`` fixture (needs pytest-django).

Enable it in your ``conftest.py``::

    pytest_plugins = ["django_ding.sandbox.pytest_plugin"]

then::

    def test_send(client, ding_outbox):
        client.post("/verify/", {"phone_number": "+33612345678"})
        assert len(ding_outbox) == 1
        code = ding_outbox.last_code("+33612345678")

The fixture empties the outbox before the test and gives database access
(pytest-django's ``db``; transactional when the test also asks for
``transactional_db`` or ``live_server``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from django_ding.sandbox.testing import OutboxMessage, clear_outbox, last_code, outbox

__all__ = ["DingOutbox", "ding_outbox"]


class DingOutbox:
    """The sandbox outbox as a test sees it: iterate, ``len()``, index,
    :meth:`last_code`, :meth:`clear`."""

    def messages(self, phone_number: object = None) -> list[OutboxMessage]:
        """Messages oldest first, optionally to one number."""
        return outbox(phone_number)

    def last_code(self, phone_number: object) -> str:
        """The newest code sent to ``phone_number``."""
        return last_code(phone_number)

    def clear(self) -> int:
        return clear_outbox()

    def __iter__(self) -> Iterator[OutboxMessage]:
        return iter(self.messages())

    def __len__(self) -> int:
        return len(self.messages())

    def __getitem__(self, index: int) -> OutboxMessage:
        return self.messages()[index]


@pytest.fixture
def ding_outbox(db: None) -> DingOutbox:
    """The sandbox outbox, emptied for this test.

    It depends on pytest-django's ``db``, which turns transactional by itself
    when the test also uses ``transactional_db`` or ``live_server``.
    """
    box = DingOutbox()
    box.clear()
    return box
