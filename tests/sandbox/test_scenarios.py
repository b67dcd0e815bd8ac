"""Every operation and every magic number, through both faces of the sandbox.

``test_scenario`` runs each scenario with ``SandboxBackend`` in-process and
with ``DingBackend`` against the HTTP face on a live server (real sockets);
``test_same_results`` runs both in one test and compares the transcripts.
"""

from __future__ import annotations

import pytest

from django_ding.sandbox.models import (
    SandboxAuthentication,
    SandboxFeedback,
    SandboxMessage,
)
from django_ding.sandbox.pytest_plugin import DingOutbox
from tests.sandbox.conftest import Face, http_face, in_process_face
from tests.sandbox.scenarios import SCENARIOS

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario(name: str, face: Face, ding_outbox: DingOutbox) -> None:
    transcript = SCENARIOS[name](face, ding_outbox)
    assert transcript


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_same_results(name: str, live_server: object, ding_outbox: DingOutbox) -> None:
    local = SCENARIOS[name](in_process_face(), ding_outbox)
    _reset_sandbox()
    with http_face(live_server) as http:
        remote = SCENARIOS[name](http, ding_outbox)
    assert local == remote


def _reset_sandbox() -> None:
    SandboxMessage.objects.all().delete()
    SandboxFeedback.objects.all().delete()
    SandboxAuthentication.objects.all().delete()
