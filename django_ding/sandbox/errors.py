"""Errors of the sandbox provider: Ding v1's ``ErrorResponse`` and Prelude v2's
``{code, message, param?}``."""

from __future__ import annotations

from typing import Any

from django_ding.backends.enums import ErrorCode

__all__ = ["DOC_URL", "SandboxProviderError", "api_error", "v2_error"]

#: Where Ding documents each error code (``#<code>`` is appended).
DOC_URL = "https://docs.prelude.so/verify/v1/documentation/errors"


class SandboxProviderError(Exception):
    """The sandbox answers with an error: ``status_code`` and a ``body``
    ``{"code", "message", "doc_url"}`` exactly as Ding's ``ErrorResponse``."""

    def __init__(self, status_code: int, body: dict[str, Any]) -> None:
        super().__init__(body.get("message", ""))
        self.status_code = status_code
        self.body = body

    def __repr__(self) -> str:
        return f"SandboxProviderError({self.status_code!r}, {self.body!r})"


def api_error(code: ErrorCode, message: str, status_code: int = 400) -> SandboxProviderError:
    """Build the error for ``code`` with Ding's documentation link."""
    return SandboxProviderError(
        status_code,
        {"code": code.value, "message": message, "doc_url": f"{DOC_URL}#{code.value}"},
    )


def v2_error(
    code: str, message: str, *, status_code: int = 400, param: str | None = None
) -> SandboxProviderError:
    """A Prelude v2 error: the body ``{code, message, param?}``."""
    body: dict[str, Any] = {"code": code, "message": message}
    if param is not None:
        body["param"] = param
    return SandboxProviderError(status_code, body)
