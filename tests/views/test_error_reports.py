"""A crash inside the views: Django's error report hides the typed number and code."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from django.core.signals import got_request_exception
from django.test import Client
from django.views.debug import ExceptionReporter

from tests.views.backend import GOOD_CODE, provider
from tests.views.conftest import PHONE, start

CLEANSED = "********************"


class Captured:
    def __init__(self) -> None:
        self.reports: list[tuple[Any, Any]] = []

    def __call__(self, sender: Any, request: Any = None, **kwargs: Any) -> None:
        self.reports.append((request, sys.exc_info()))


@pytest.fixture
def captured() -> Any:
    receiver = Captured()
    got_request_exception.connect(receiver)
    yield receiver
    got_request_exception.disconnect(receiver)


def _post_items(request: Any, exc_info: Any) -> dict[str, Any]:
    data = ExceptionReporter(request, *exc_info).get_traceback_data()
    return dict(data["filtered_POST_items"])


def _explode(*args: Any, **kwargs: Any) -> Any:
    raise RuntimeError("a bug in the view layer")


def test_crash_while_checking_hides_the_code(captured: Captured, monkeypatch: Any) -> None:
    client = Client(raise_request_exception=False)
    start(client)
    monkeypatch.setattr("django_ding.views.mark_verified", _explode)
    response = client.post("/verify/check/", {"code": GOOD_CODE, "next": "/x/"})
    assert response.status_code == 500
    ((request, exc_info),) = captured.reports
    assert tuple(request.sensitive_post_parameters) == ("code", "phone_number")
    items = _post_items(request, exc_info)
    assert items["code"] == CLEANSED
    assert items["next"] == "/x/"
    html = ExceptionReporter(request, *exc_info).get_traceback_html()
    assert "POST" in html
    assert GOOD_CODE not in html


def test_crash_while_sending_hides_the_number(captured: Captured) -> None:
    client = Client(raise_request_exception=False)
    provider.fail("create_authentication", RuntimeError("provider client bug"))
    assert start(client).status_code == 500
    ((request, exc_info),) = captured.reports
    assert tuple(request.sensitive_post_parameters) == ("code", "phone_number")
    assert _post_items(request, exc_info)["phone_number"] == CLEANSED


def test_crash_while_resending_is_filtered_too(captured: Captured, monkeypatch: Any) -> None:
    client = Client(raise_request_exception=False)
    start(client)
    monkeypatch.setattr("django_ding.views.push_notice", _explode)
    assert client.post("/verify/retry/", {"phone_number": PHONE}).status_code == 500
    ((request, exc_info),) = captured.reports
    assert tuple(request.sensitive_post_parameters) == ("code", "phone_number")
    assert _post_items(request, exc_info)["phone_number"] == CLEANSED
