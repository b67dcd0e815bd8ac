"""The HTTP transport shared by the provider backends: :class:`HTTPBackend`.

A provider backend (:class:`~django_ding.backends.ding.DingBackend` for Ding
v1, :class:`~django_ding.backends.prelude.PreludeBackend` for Prelude v2)
subclasses it and keeps only its endpoints, its credentials and its wire
mapping. Every call goes through :meth:`HTTPBackend._request`, which

* sends ``User-Agent: django-ding/<version>``, the provider's auth headers
  (:meth:`~HTTPBackend.auth_headers`) and an explicit ``(connect, read)``
  timeout, and never follows redirects;
* retries only where it is safe (:meth:`~HTTPBackend.may_retry_transport`,
  :meth:`~HTTPBackend.may_retry_status`; the table is in ``docs/backends.md``):
  a POST that may have reached the provider is never sent twice, since a
  second create is a second SMS;
* turns every failure into a :mod:`django_ding.exceptions` error, raised
  ``from`` the underlying exception (API errors through
  :meth:`~HTTPBackend.build_api_error`);
* goes through the provider host's circuit breaker
  (:attr:`~HTTPBackend.circuit_breaker`, :mod:`django_ding.backends.circuit`):
  during an outage it fails at once instead of waiting for its timeouts;
* reads at most :data:`MAX_RESPONSE_BYTES` of each answer (streamed, so a
  huge or endless body never lands in memory) and decodes JSON without
  unbounded recursion (:mod:`django_ding.bounded_json`): an oversized,
  deeply nested or unreadable 2xx body is a ``DingInvalidResponseError``;
* logs one DEBUG line per HTTP exchange and a WARNING per retry, with phone
  numbers masked and never the API key or a code.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterable, Mapping
from functools import cached_property
from typing import Any, ClassVar, Final
from urllib.parse import quote, urlsplit

import requests
from django.views.decorators.debug import sensitive_variables
from requests.adapters import HTTPAdapter

from django_ding import __version__, bounded_json, conf
from django_ding.backends.base import BaseBackend
from django_ding.backends.circuit import CircuitBreaker, admit
from django_ding.backends.redaction import install_urllib3_log_filter, scrub
from django_ding.backends.retry_policy import (
    Endpoint,
    failed_before_sending,
    parse_retry_after,
    retry_after,
    root_reason,
)
from django_ding.exceptions import (
    DingAPIError,
    DingConfigurationError,
    DingConnectionError,
    DingInvalidResponseError,
    DingTimeoutError,
    DingTransportError,
)
from django_ding.privacy import mask_phone

__all__ = ["MAX_RESPONSE_BYTES", "USER_AGENT", "Endpoint", "HTTPBackend", "parse_retry_after"]

#: Sent with every request.
USER_AGENT: Final = f"django-ding/{__version__}"
# Sent on every request, also through an injected session (plus the auth headers).
_HEADERS: Final[dict[str, str]] = {"User-Agent": USER_AGENT, "Accept": "application/json"}
# Header values we accept for the API key: visible ASCII, no spaces.
_HEADER_TOKEN = re.compile(r"[\x21-\x7e]+")
#: Most bytes read from one answer (after any Content-Encoding is undone): a
#: provider answer is a few kB. A 2xx body over it is a
#: ``DingInvalidResponseError``; an error body is cut to it.
MAX_RESPONSE_BYTES: Final = 1024 * 1024
_CHUNK_BYTES: Final = 64 * 1024


class HTTPBackend(BaseBackend):
    """A provider over HTTP with one pooled ``requests.Session``.

    Besides :class:`BaseBackend`'s keyword arguments it takes
    ``max_retries``, ``retry_backoff`` and ``retry_after_max`` (defaults: the
    ``DING`` keys ``MAX_RETRIES``, ``RETRY_BACKOFF``, ``RETRY_AFTER_MAX``).
    Subclasses set :attr:`provider_name` and :attr:`logger_name` and
    implement :meth:`auth_headers`.
    """

    requires_credentials = True
    #: The provider's name in messages and log lines ("Ding", "Prelude").
    provider_name: ClassVar[str] = "The provider"
    #: The logger of the exchange and retry lines.
    logger_name: ClassVar[str] = __name__

    def __init__(
        self,
        *,
        max_retries: int | None = None,
        retry_backoff: float | None = None,
        retry_after_max: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.max_retries: int = (
            conf.max_retries() if max_retries is None else conf.max_retries(max_retries)
        )
        self.retry_backoff: float = (
            conf.retry_backoff() if retry_backoff is None else conf.retry_backoff(retry_backoff)
        )
        self.retry_after_max: float = (
            conf.retry_after_max()
            if retry_after_max is None
            else conf.retry_after_max(retry_after_max)
        )
        self.logger = logging.getLogger(self.logger_name)
        self._owns_session = self._session is None
        self._session_lock = threading.Lock()
        self._checked_key: tuple[object, str] | None = None
        # Also with an injected session: urllib3 logs URLs, a lookup's holds the number.
        install_urllib3_log_filter()

    # -- The session ------------------------------------------------------------------

    def create_session(self) -> requests.Session:
        """Build the pooled session. Override to add proxies, TLS settings...

        Called once, on first use, unless a ``session=`` was given.
        """
        install_urllib3_log_filter()
        session = requests.Session()
        session.headers.update(_HEADERS)
        # No urllib3 retries underneath ours: max_retries=0 never resends.
        adapter = HTTPAdapter(pool_maxsize=32, max_retries=0)
        session.mount("https://", adapter)
        session.mount("http://", adapter)
        return session

    @property
    def session(self) -> requests.Session:
        """The session every call uses: the injected one, or our own."""
        session = self._session
        if session is None:
            with self._session_lock:
                session = self._session
                if session is None:
                    session = self._session = self.create_session()
        return session

    def close(self) -> None:
        """Close the backend's own session (an injected one is left alone)."""
        if self._owns_session and self._session is not None:
            self._session.close()
            self._session = None

    def sleep(self, seconds: float) -> None:
        """Wait between retries. Tests replace it to record the delays."""
        time.sleep(seconds)

    # -- Provider hooks -----------------------------------------------------------------

    def auth_headers(self, api_key: str) -> dict[str, str]:
        """The headers carrying the credentials (``x-api-key``, ``Authorization``...)."""
        raise NotImplementedError

    def build_api_error(self, response: requests.Response) -> DingAPIError:
        """The error for a non-2xx, non-3xx answer (the body is the provider's)."""
        return DingAPIError.from_body(
            status_code=response.status_code,
            body=response.text,
            raw_response=response,
            provider=self.provider_name,
        )

    @staticmethod
    def may_retry_transport(endpoint: Endpoint, failure: DingTransportError) -> bool:
        """Retry a transport failure?

        * Nothing was sent (connection refused, DNS failure, connect
          timeout): always, whatever the method.
        * The request may have been sent (read timeout, connection reset):
          only an idempotent GET.
        """
        return not failure.request_sent or endpoint.idempotent

    @staticmethod
    def may_retry_status(endpoint: Endpoint, status: int) -> bool:
        """Retry a 429 or a 5xx? Only a GET: a POST that got an answer arrived."""
        return endpoint.idempotent and (status == 429 or status >= 500)

    # -- Credentials --------------------------------------------------------------------

    @sensitive_variables("api_key", "checked")
    def _api_key(self) -> str:
        """The API key, checked (again only when it changes)."""
        api_key = self.api_key
        checked = self._checked_key
        if checked is not None and checked[0] is api_key:
            return checked[1]
        result = self._check_api_key(api_key)
        self._checked_key = (api_key, result)
        return result

    @sensitive_variables("api_key")
    def _check_api_key(self, api_key: object) -> str:
        if not api_key:
            raise DingConfigurationError(
                f"settings.DING['API_KEY'] is required by {type(self).__name__}. "
                "Add it to the DING setting (or pass api_key=)."
            )
        if not isinstance(api_key, str) or not _HEADER_TOKEN.fullmatch(api_key):
            raise DingConfigurationError(
                "settings.DING['API_KEY'] must be a string of visible characters, "
                "without spaces or line breaks."
            )
        return api_key

    # -- The circuit breaker ------------------------------------------------------------

    @cached_property
    def circuit_breaker(self) -> CircuitBreaker | None:
        """The breaker of this backend's host, shared through the cache
        ``DING["BREAKER_CACHE"]``; ``None`` when ``DING["BREAKER_FAILURES"]``
        is ``None`` (the default). Built on first use; assign one to replace it."""
        return CircuitBreaker.from_settings(
            self.base_url,
            timeout=self.timeout,
            provider=self.provider_name,
            sender=type(self),
            logger=self.logger,
        )

    # -- The one place that talks HTTP --------------------------------------------------

    # Every local here and in the frames below it (requests, urllib3,
    # http.client: url, headers, body, values...) may hold the API key, the
    # number or the code, under names we do not control: hide them all.
    @sensitive_variables()
    def _request(
        self,
        endpoint: Endpoint,
        api_key: str,
        *,
        json_body: Mapping[str, Any] | None = None,
        path_params: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        redact: Iterable[str] = (),
    ) -> requests.Response:
        """Send one call, retrying where safe; return a 2xx response.

        ``redact`` lists values (phone number, code) that must not appear in
        an exception message; the API key is always redacted.
        """
        path = endpoint.path
        if path_params:
            path = path.format_map({k: quote(v, safe="") for k, v in path_params.items()})
        url = self.base_url + path
        request_headers = _HEADERS.copy()
        request_headers.update(self.auth_headers(api_key))
        if headers:
            request_headers.update(headers)
        secrets = (api_key, *redact)
        attempt = 0
        previous: Exception | None = None  # the failure a retry follows
        while True:
            # Open breaker: DingCircuitOpenError (or, for a retry, the previous failure).
            ticket = admit(self.circuit_breaker, after=previous)
            started = time.perf_counter()
            try:
                response = self.session.request(
                    endpoint.method,
                    url,
                    json=json_body,
                    params=params,
                    headers=request_headers,
                    timeout=self.timeout,
                    allow_redirects=False,
                    stream=True,
                )
                oversized = _read_capped(response)
            except (
                requests.exceptions.InvalidURL,
                requests.exceptions.InvalidSchema,
                requests.exceptions.MissingSchema,
            ) as err:
                raise DingConfigurationError(
                    f"settings.DING['BASE_URL'] (or base_url=) = {self.base_url!r} is not a "
                    "usable http(s) URL."
                ) from err
            except requests.RequestException as err:
                failure = self._transport_error(err, endpoint, path_params, secrets)
                now_open = ticket.failed()
                self._log_exchange(endpoint, path_params, type(failure).__name__, started)
                if (
                    not now_open
                    and attempt < self.max_retries
                    and self.may_retry_transport(endpoint, failure)
                ):
                    delay = self._backoff(attempt)
                    self._log_retry(endpoint, path_params, failure.message, attempt, delay)
                    self.sleep(delay)
                    attempt += 1
                    failure.__cause__, previous = err, failure
                    continue
                raise failure from err

            ticket.succeeded()  # any answer: the transport works
            status = response.status_code
            if self.logger.isEnabledFor(logging.DEBUG):
                self._log_exchange(endpoint, path_params, status, started)
            if 200 <= status < 300:
                if oversized:
                    raise self._invalid_response(
                        response, endpoint, f"the body is over {MAX_RESPONSE_BYTES} bytes"
                    )
                return response
            error = self._api_error(response, secrets)
            if attempt < self.max_retries and self.may_retry_status(endpoint, status):
                wait = retry_after(response)
                if wait is not None and wait > self.retry_after_max:
                    self.logger.warning(
                        "%s %s %s: HTTP %s asks to wait %.1f s, over "
                        "DING['RETRY_AFTER_MAX'] = %.1f s; not retrying.",
                        self.provider_name,
                        endpoint.method,
                        self._log_path(endpoint, path_params),
                        status,
                        wait,
                        self.retry_after_max,
                    )
                    raise error
                delay = self._backoff(attempt) if wait is None else wait
                self._log_retry(endpoint, path_params, f"HTTP {status}", attempt, delay)
                self.sleep(delay)
                attempt += 1
                previous = error
                continue
            raise error

    def json_object(self, response: requests.Response, endpoint: Endpoint) -> dict[str, Any]:
        """The JSON object a 2xx response must hold, or ``DingInvalidResponseError``
        (not UTF-8, not JSON, nested deeper than
        :data:`~django_ding.bounded_json.MAX_JSON_DEPTH`, not an object)."""
        try:
            # RFC 8259: JSON between systems is UTF-8.
            data = bounded_json.loads(response.content.decode("utf-8"))
        except bounded_json.JSONTooDeep:
            raise self._invalid_response(
                response, endpoint, "the body is not a JSON object (nested too deeply)"
            ) from None
        except ValueError:  # UnicodeDecodeError is a ValueError
            data = None
        if not isinstance(data, dict):
            raise self._invalid_response(response, endpoint, "the body is not a JSON object")
        return data

    def _invalid_response(
        self, response: requests.Response, endpoint: Endpoint, why: str
    ) -> DingInvalidResponseError:
        return DingInvalidResponseError(
            f"{self.provider_name} answered {endpoint.method} {endpoint.path} with HTTP "
            f"{response.status_code} but {why}.",
            status_code=response.status_code,
            body=response.text,
            raw_response=response,
        )

    def _backoff(self, attempt: int) -> float:
        return float(self.retry_backoff * (2**attempt))

    # -- Errors -------------------------------------------------------------------------

    def _transport_error(
        self,
        err: requests.RequestException,
        endpoint: Endpoint,
        path_params: Mapping[str, str] | None,
        secrets: Iterable[str],
    ) -> DingTransportError:
        reason = root_reason(err)
        sent = not failed_before_sending(err, reason)
        where = f"{endpoint.method} {self._log_path(endpoint, path_params)}"
        host = urlsplit(self.base_url).netloc
        detail = scrub(str(reason if reason is not None else err), secrets) or type(err).__name__
        name = self.provider_name
        if isinstance(err, requests.exceptions.Timeout):
            phase = "read" if sent else "connect"
            return DingTimeoutError(
                f"{name} did not answer {where} in time ({phase} timeout, host {host}): {detail}",
                request_sent=sent,
            )
        return DingConnectionError(
            f"Connection to {name} failed for {where} (host {host}): {detail}",
            request_sent=sent,
        )

    def _api_error(self, response: requests.Response, secrets: Iterable[str]) -> DingAPIError:
        status = response.status_code
        if 300 <= status < 400:
            return DingAPIError(
                f"{self.provider_name} answered with a redirect (HTTP {status}), which is not "
                "followed. Check settings.DING['BASE_URL'].",
                status_code=status,
                body=response.text,
                raw_response=response,
            )
        error = self.build_api_error(response)
        scrubbed = scrub(error.message, secrets)
        if scrubbed != error.message:
            error = error.with_message(scrubbed)
        if error.retry_after is None:
            error.retry_after = retry_after(response)
        return error

    # -- Logging ------------------------------------------------------------------------

    @staticmethod
    def _log_path(endpoint: Endpoint, path_params: Mapping[str, str] | None) -> str:
        if not path_params:
            return endpoint.path
        shown = {
            name: mask_phone(value) if name == "phone_number" else value
            for name, value in path_params.items()
        }
        return endpoint.path.format_map(shown)

    def _log_exchange(
        self,
        endpoint: Endpoint,
        path_params: Mapping[str, str] | None,
        outcome: object,
        started: float,
    ) -> None:
        if self.logger.isEnabledFor(logging.DEBUG):
            self.logger.debug(
                "%s %s %s -> %s in %.1f ms",
                self.provider_name,
                endpoint.method,
                self._log_path(endpoint, path_params),
                outcome,
                (time.perf_counter() - started) * 1000,
            )

    def _log_retry(
        self,
        endpoint: Endpoint,
        path_params: Mapping[str, str] | None,
        why: str,
        attempt: int,
        delay: float,
    ) -> None:
        self.logger.warning(
            "%s %s %s failed (%s); retry %d of %d in %.2f s.",
            self.provider_name,
            endpoint.method,
            self._log_path(endpoint, path_params),
            why,
            attempt + 1,
            self.max_retries,
            delay,
        )


def _read_capped(response: requests.Response) -> bool:
    """Read the body of a ``stream=True`` response, at most
    :data:`MAX_RESPONSE_BYTES`, then release the connection. Returns whether
    the body was longer (it is then cut, and the connection closed rather
    than reused). ``response.content`` and ``.text`` work as usual after.

    A response whose body is already read (from an injected session that
    ignores ``stream=``, or a canned one) is only cut."""
    content: bytes | bool | None = getattr(response, "_content", False)
    if content is False and response.raw is not None:
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_content(_CHUNK_BYTES):
                chunks.append(chunk)
                size += len(chunk)
                if size > MAX_RESPONSE_BYTES:
                    break
        finally:
            # Unread bytes left: the connection cannot be reused, close() drops it.
            response.close()
        content = b"".join(chunks)
    body = content if isinstance(content, bytes) else b""
    response._content = body[:MAX_RESPONSE_BYTES]
    response._content_consumed = True  # type: ignore[attr-defined]
    return len(body) > MAX_RESPONSE_BYTES
