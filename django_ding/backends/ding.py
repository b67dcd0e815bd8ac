"""The Ding v1 HTTP client: :class:`DingBackend`.

Every call goes through :meth:`DingBackend._request`, which

* sends the ``x-api-key`` header, ``User-Agent: django-ding/<version>`` and an
  explicit ``(connect, read)`` timeout, and never follows redirects;
* retries only where it is safe (see :meth:`DingBackend._may_retry_transport`
  and the table in ``docs/backends.md``): a POST that may have reached Ding is
  never sent twice, since a second ``POST /authentication`` is a second SMS;
* turns every failure into a :mod:`django_ding.exceptions` error, raised
  ``from`` the underlying exception;
* logs one DEBUG line per HTTP exchange and a WARNING per retry, with phone
  numbers masked and never the API key or a code.

:data:`ENDPOINTS` holds the wire method and path of each operation, so a fake
server (the sandbox's HTTP face, the benchmark) can serve the same routes.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import logging
import math
import re
import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any, Final, NamedTuple
from urllib.parse import quote, urlsplit

import requests
import urllib3.exceptions
from django.views.decorators.debug import sensitive_variables
from requests.adapters import HTTPAdapter

from django_ding import __version__
from django_ding.backends.arguments import (
    E164,
    cnam_argument,
    code_argument,
    create_fields_argument,
    feedback_status_argument,
    phone_argument,
    uuid_argument,
)
from django_ding.backends.base import BaseBackend
from django_ding.backends.results import (
    AuthenticationStatusResponse,
    CreateAuthenticationResponse,
    CreateCheckResponse,
    FeedbackResponse,
    LookupResponse,
    RetryAuthenticationResponse,
)
from django_ding.conf import ding_settings
from django_ding.exceptions import (
    DingAPIError,
    DingConfigurationError,
    DingConnectionError,
    DingInvalidResponseError,
    DingTimeoutError,
    DingTransportError,
)
from django_ding.privacy import mask_phone

__all__ = [
    "ENDPOINTS",
    "USER_AGENT",
    "DingBackend",
    "Endpoint",
    "PhoneNumberLogFilter",
    "install_urllib3_log_filter",
    "parse_retry_after",
]

logger = logging.getLogger(__name__)

#: Sent with every request.
USER_AGENT: Final = f"django-ding/{__version__}"
# Sent on every request, also through an injected session (plus x-api-key).
_HEADERS: Final[dict[str, str]] = {"User-Agent": USER_AGENT, "Accept": "application/json"}


class Endpoint(NamedTuple):
    """The wire method and path (relative to ``BASE_URL``) of one operation.

    ``path`` may hold ``{name}`` placeholders filled with URL-encoded values.
    """

    method: str
    path: str

    @property
    def idempotent(self) -> bool:
        """Whether repeating the call cannot have a second effect (GET)."""
        return self.method == "GET"


#: Each operation's wire method and path, as in the OpenAPI spec.
ENDPOINTS: Final[Mapping[str, Endpoint]] = MappingProxyType(
    {
        "create_authentication": Endpoint("POST", "/authentication"),
        "check": Endpoint("POST", "/check"),
        "retry": Endpoint("POST", "/retry"),
        "feedback": Endpoint("POST", "/authentication/feedback"),
        "get_authentication_status": Endpoint("GET", "/authentication/{auth_uuid}"),
        "lookup": Endpoint("GET", "/lookup/{phone_number}"),
    }
)

# Header values we accept for the API key: visible ASCII, no spaces.
_HEADER_TOKEN = re.compile(r"[\x21-\x7e]+")
_JSON = json.JSONDecoder()


# A "+" (plain or URL-encoded) and a run of digits: what a phone number looks
# like inside a logged URL. Generous on purpose: masking too much is harmless.
_PHONE_IN_TEXT = re.compile(r"(?:\+|%2[Bb])([0-9]{4,})")
# Where urllib3 logs request URLs (at DEBUG, and on retries).
_URLLIB3_LOGGERS: Final = ("urllib3.connectionpool", "urllib3.util.retry")
_filter_lock = threading.Lock()


class PhoneNumberLogFilter(logging.Filter):
    """Masks E.164 numbers (``+33...`` or ``%2B33...``) in a record's message.

    urllib3 logs each request line at DEBUG, and a lookup's URL holds the
    number (``/lookup/%2B336...``). The record is rewritten, never dropped.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken record is the logging module's to report
            return True
        masked = _PHONE_IN_TEXT.sub(lambda m: mask_phone("+" + m.group(1)), message)
        if masked != message:
            record.msg = masked
            record.args = None
        return True


def install_urllib3_log_filter() -> None:
    """Add :class:`PhoneNumberLogFilter` to urllib3's URL-logging loggers, once."""
    with _filter_lock:
        for name in _URLLIB3_LOGGERS:
            target = logging.getLogger(name)
            if not any(isinstance(f, PhoneNumberLogFilter) for f in target.filters):
                target.addFilter(PhoneNumberLogFilter())


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header value.

    Accepts delay-seconds (``"120"``) or an HTTP-date; a date in the past is
    ``0``. Returns ``None`` when the header is missing or unreadable, and
    ``math.inf`` for an absurdly large value (so any cap refuses it).
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:  # "-0000" means UTC with no stated zone
            when = when.replace(tzinfo=dt.UTC)
        seconds = when.timestamp() - (time.time() if now is None else now)
    if math.isnan(seconds):
        return None
    return max(0.0, seconds)


class DingBackend(BaseBackend):
    """Ding v1 over HTTP with ``requests``.

    Besides :class:`BaseBackend`'s keyword arguments it takes
    ``max_retries``, ``retry_backoff`` and ``retry_after_max`` (defaults: the
    ``DING`` keys ``MAX_RETRIES``, ``RETRY_BACKOFF``, ``RETRY_AFTER_MAX``).
    """

    requires_credentials = True

    @sensitive_variables("kwargs")
    def __init__(
        self,
        *,
        max_retries: int | None = None,
        retry_backoff: float | None = None,
        retry_after_max: float | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.max_retries: int = _setting_number(
            "MAX_RETRIES", ding_settings.MAX_RETRIES if max_retries is None else max_retries, int
        )
        self.retry_backoff: float = _setting_number(
            "RETRY_BACKOFF",
            ding_settings.RETRY_BACKOFF if retry_backoff is None else retry_backoff,
            float,
        )
        self.retry_after_max: float = _setting_number(
            "RETRY_AFTER_MAX",
            ding_settings.RETRY_AFTER_MAX if retry_after_max is None else retry_after_max,
            float,
        )
        self._owns_session = self._session is None
        self._session_lock = threading.Lock()
        self._checked_credentials: tuple[object, object, tuple[str, str]] | None = None
        # Also with an injected session: urllib3 logs URLs, a lookup's holds the number.
        install_urllib3_log_filter()

    # -- Transport ------------------------------------------------------------

    def create_session(self) -> requests.Session:
        """Build the backend's HTTP session (override to add proxies, TLS...).

        Called once, on first use, unless a ``session=`` was given.
        """
        install_urllib3_log_filter()
        session = requests.Session()
        session.headers.update({"User-Agent": USER_AGENT, "Accept": "application/json"})
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

    # -- The six operations -------------------------------------------------------

    @sensitive_variables("phone_number", "phone", "fields", "extra", "api_key", "body")
    def create_authentication(
        self, phone_number: str, **fields: Any
    ) -> CreateAuthenticationResponse:
        phone = phone_argument(phone_number)
        extra: dict[str, Any] = {}
        if fields:
            self.validate_fields(fields)
            extra = create_fields_argument(fields)
        api_key, customer_uuid = self._credentials()
        body = {"customer_uuid": customer_uuid, "phone_number": phone, **extra}
        response = self._request(
            ENDPOINTS["create_authentication"], api_key, json_body=body, redact=(phone,)
        )
        data = _json_object(response, "POST /authentication")
        result = CreateAuthenticationResponse.from_wire(data)
        if not result.authentication_uuid:
            raise DingInvalidResponseError(
                "Ding accepted the authentication but returned no authentication_uuid.",
                status_code=response.status_code,
                body=response.text,
                raw_response=response,
            )
        return result

    @sensitive_variables("check_code", "code", "phone_number", "api_key", "body")
    def check(
        self, authentication_uuid: str, check_code: str, *, phone_number: str | None = None
    ) -> CreateCheckResponse:
        auth = uuid_argument(authentication_uuid, "authentication_uuid")
        code = code_argument(check_code)
        api_key, customer_uuid = self._credentials()
        body = {"customer_uuid": customer_uuid, "authentication_uuid": auth, "check_code": code}
        response = self._request(ENDPOINTS["check"], api_key, json_body=body, redact=(code,))
        return CreateCheckResponse.from_wire(_json_object(response, "POST /check"))

    @sensitive_variables("phone_number", "api_key", "body")
    def retry(
        self, authentication_uuid: str, *, phone_number: str | None = None
    ) -> RetryAuthenticationResponse:
        auth = uuid_argument(authentication_uuid, "authentication_uuid")
        api_key, customer_uuid = self._credentials()
        body = {"customer_uuid": customer_uuid, "authentication_uuid": auth}
        response = self._request(ENDPOINTS["retry"], api_key, json_body=body)
        return RetryAuthenticationResponse.from_wire(_json_object(response, "POST /retry"))

    @sensitive_variables("phone_number", "phone", "api_key", "body")
    def feedback(self, phone_number: str, status: str) -> FeedbackResponse:
        phone = phone_argument(phone_number)
        wire_status = feedback_status_argument(status)
        api_key, customer_uuid = self._credentials()
        body = {"customer_uuid": customer_uuid, "phone_number": phone, "status": wire_status}
        response = self._request(ENDPOINTS["feedback"], api_key, json_body=body, redact=(phone,))
        return FeedbackResponse.from_wire(_json_object(response, "POST /authentication/feedback"))

    @sensitive_variables("api_key")
    def get_authentication_status(self, auth_uuid: str) -> AuthenticationStatusResponse:
        auth = uuid_argument(auth_uuid, "auth_uuid")
        api_key, _ = self._credentials()
        response = self._request(
            ENDPOINTS["get_authentication_status"], api_key, path_params={"auth_uuid": auth}
        )
        data = _json_object(response, "GET /authentication/{auth_uuid}")
        return AuthenticationStatusResponse.from_wire(data)

    @sensitive_variables("phone_number", "phone", "api_key")
    def lookup(self, phone_number: str, *, cnam: bool = False) -> LookupResponse:
        phone = phone_argument(phone_number)
        cnam = cnam_argument(cnam)
        api_key, customer_uuid = self._credentials()
        response = self._request(
            ENDPOINTS["lookup"],
            api_key,
            path_params={"phone_number": phone},
            params={"type": "cnam"} if cnam else None,
            headers={"customer-uuid": customer_uuid},
            redact=(phone,),
        )
        return LookupResponse.from_wire(_json_object(response, "GET /lookup/{phone_number}"))

    # -- The one place that talks HTTP --------------------------------------------

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
        request_headers["x-api-key"] = api_key
        if headers:
            request_headers.update(headers)
        secrets = (api_key, *redact)
        attempt = 0
        while True:
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
                )
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
                self._log_exchange(endpoint, path_params, type(failure).__name__, started)
                if attempt < self.max_retries and self._may_retry_transport(endpoint, failure):
                    delay = self._backoff(attempt)
                    self._log_retry(endpoint, path_params, failure.message, attempt, delay)
                    self.sleep(delay)
                    attempt += 1
                    continue
                raise failure from err

            status = response.status_code
            if logger.isEnabledFor(logging.DEBUG):
                self._log_exchange(endpoint, path_params, status, started)
            if 200 <= status < 300:
                return response
            error = self._api_error(response, secrets)
            if attempt < self.max_retries and self._may_retry_status(endpoint, status):
                wait = parse_retry_after(response.headers.get("Retry-After"))
                if wait is not None and wait > self.retry_after_max:
                    logger.warning(
                        "Ding %s %s: HTTP %s asks to wait %.1f s, over "
                        "DING['RETRY_AFTER_MAX'] = %.1f s; not retrying.",
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
                continue
            raise error

    # -- Retry policy ---------------------------------------------------------------

    @staticmethod
    def _may_retry_transport(endpoint: Endpoint, failure: DingTransportError) -> bool:
        """Retry a transport failure?

        * Nothing was sent (connection refused, DNS failure, connect
          timeout): always, whatever the method.
        * The request may have been sent: only an idempotent GET, and not
          after a read timeout (the provider is slow; waiting again only
          multiplies the time the user waits).
        """
        if not failure.request_sent:
            return True
        return endpoint.idempotent and not isinstance(failure, DingTimeoutError)

    @staticmethod
    def _may_retry_status(endpoint: Endpoint, status: int) -> bool:
        """Retry a 429 or a 5xx? Only a GET: a POST that got an answer arrived."""
        return endpoint.idempotent and (status == 429 or status >= 500)

    def _backoff(self, attempt: int) -> float:
        return float(self.retry_backoff * (2**attempt))

    # -- Errors -----------------------------------------------------------------------

    def _transport_error(
        self,
        err: requests.RequestException,
        endpoint: Endpoint,
        path_params: Mapping[str, str] | None,
        secrets: Iterable[str],
    ) -> DingTransportError:
        reason = _root_reason(err)
        sent = not _failed_before_sending(err, reason)
        where = f"{endpoint.method} {self._log_path(endpoint, path_params)}"
        host = urlsplit(self.base_url).netloc
        detail = _scrub(str(reason if reason is not None else err), secrets) or type(err).__name__
        if isinstance(err, requests.exceptions.Timeout):
            phase = "read" if sent else "connect"
            return DingTimeoutError(
                f"Ding did not answer {where} in time ({phase} timeout, host {host}): {detail}",
                request_sent=sent,
            )
        return DingConnectionError(
            f"Connection to Ding failed for {where} (host {host}): {detail}",
            request_sent=sent,
        )

    def _api_error(self, response: requests.Response, secrets: Iterable[str]) -> DingAPIError:
        status = response.status_code
        body = response.text
        if 300 <= status < 400:
            return DingAPIError(
                f"Ding answered with a redirect (HTTP {status}), which is not followed. "
                "Check settings.DING['BASE_URL'].",
                status_code=status,
                body=body,
                raw_response=response,
            )
        error = DingAPIError.from_body(status_code=status, body=body, raw_response=response)
        scrubbed = _scrub(error.message, secrets)
        if scrubbed != error.message:
            error = DingAPIError(
                scrubbed,
                status_code=status,
                body=body,
                raw_response=response,
                code=error.code,
                doc_url=error.doc_url,
            )
        return error

    @sensitive_variables("api_key", "checked", "result")
    def _credentials(self) -> tuple[str, str]:
        """The API key and the canonical customer UUID, or a configuration error.

        The check runs again only when ``api_key`` or ``customer_uuid`` change.
        """
        api_key = self.api_key
        customer = self.customer_uuid
        checked = self._checked_credentials
        if checked is not None and checked[0] is api_key and checked[1] is customer:
            return checked[2]
        result = self._check_credentials(api_key, customer)
        self._checked_credentials = (api_key, customer, result)
        return result

    @staticmethod
    @sensitive_variables("api_key")
    def _check_credentials(api_key: str | None, customer: str | None) -> tuple[str, str]:
        if not api_key:
            raise DingConfigurationError(
                "settings.DING['API_KEY'] is required by DingBackend. "
                "Add it to the DING setting (or pass api_key=)."
            )
        if not isinstance(api_key, str) or not _HEADER_TOKEN.fullmatch(api_key):
            raise DingConfigurationError(
                "settings.DING['API_KEY'] must be a string of visible characters, "
                "without spaces or line breaks."
            )
        if not customer:
            raise DingConfigurationError(
                "settings.DING['CUSTOMER_UUID'] is required by DingBackend. "
                "Add it to the DING setting (or pass customer_uuid=)."
            )
        try:
            canonical = str(uuid.UUID(str(customer)))
        except ValueError:
            raise DingConfigurationError("settings.DING['CUSTOMER_UUID'] is not a UUID.") from None
        return api_key, canonical

    # -- Logging --------------------------------------------------------------------

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
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "Ding %s %s -> %s in %.1f ms",
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
        logger.warning(
            "Ding %s %s failed (%s); retry %d of %d in %.2f s.",
            endpoint.method,
            self._log_path(endpoint, path_params),
            why,
            attempt + 1,
            self.max_retries,
            delay,
        )


def _setting_number(name: str, value: object, kind: type[int] | type[float]) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise DingConfigurationError(
            f"settings.DING[{name!r}] must be a number of {'retries' if kind is int else 'seconds'}"
            " (0 or more)."
        )
    if kind is int and not float(value).is_integer():
        raise DingConfigurationError(f"settings.DING[{name!r}] must be a whole number.")
    if kind is float and not math.isfinite(value):
        raise DingConfigurationError(f"settings.DING[{name!r}] must be finite.")
    return kind(value)


# -- Response helpers -------------------------------------------------------------------


def _json_object(response: requests.Response, where: str) -> dict[str, Any]:
    """The JSON object a 2xx response must hold."""
    try:
        # RFC 8259: JSON between systems is UTF-8.
        data = _JSON.decode(response.content.decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        data = None
    if not isinstance(data, dict):
        raise DingInvalidResponseError(
            f"Ding answered {where} with HTTP {response.status_code} but the body is not "
            "a JSON object.",
            status_code=response.status_code,
            body=response.text,
            raw_response=response,
        )
    return data


def _root_reason(err: requests.RequestException) -> BaseException | None:
    """The urllib3 exception behind a requests one (inside ``MaxRetryError``)."""
    reason = err.args[0] if err.args else None
    if isinstance(reason, urllib3.exceptions.MaxRetryError):
        reason = reason.reason
    return reason if isinstance(reason, BaseException) else None


def _failed_before_sending(err: requests.RequestException, reason: BaseException | None) -> bool:
    """True only when the request certainly never left this machine.

    A connect timeout, a refused connection and a DNS failure
    (``NameResolutionError`` is a ``NewConnectionError``) happen before a
    byte is sent. Anything else (read timeout, connection reset, TLS or
    protocol error) may have happened after the provider got the request.
    """
    if isinstance(err, requests.exceptions.ConnectTimeout):
        return True
    return isinstance(
        reason, urllib3.exceptions.NewConnectionError | urllib3.exceptions.ConnectTimeoutError
    )


def _scrub(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every secret (and its URL-encoded form) replaced."""
    for secret in secrets:
        if not secret:
            continue
        replacement = mask_phone(secret) if E164.fullmatch(secret) else "***"
        for form in {secret, quote(secret, safe="")}:
            text = text.replace(form, replacement)
    return text
