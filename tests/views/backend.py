"""The provider of the view tests: the shipped in-memory test backend.

The ``ding_backend`` fixture (autouse) selects
``django_ding.backends.test.TestBackend`` and yields the shared
:data:`provider`, reset between tests; the ``flavour`` fixture runs a test
against both providers' semantics (Ding v1 and Prelude v2).
"""

from __future__ import annotations

from django_ding.backends.test import BACKENDS, DEFAULT_CODE, TestProvider, provider

__all__ = ["BACKENDS", "GOOD_CODE", "TestProvider", "provider"]

GOOD_CODE = DEFAULT_CODE
