"""The API's error body (`{status, status_code, code, detail, data, request_id}`) as exceptions,
one class per HTTP status, each carrying the documented `code`."""

import json
from collections.abc import Mapping
from typing import Any


class CompaninError(Exception):
    """An error answer of the API; `code` is one of the codes listed in docs/api.md."""

    def __init__(
        self,
        status_code: int,
        code: str,
        detail: str,
        data: Any = None,
        request_id: str | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(f"{status_code} {code}: {detail}")
        self.status_code = status_code
        self.code = code
        self.detail = detail
        self.data = data
        self.request_id = request_id
        self.retry_after = retry_after


class BadRequestError(CompaninError):
    """400: the request could not be read."""


class AuthenticationError(CompaninError):
    """401: missing, wrong, expired or revoked credentials."""


class PermissionDeniedError(CompaninError):
    """403: the credentials may not do this."""


class NotFoundError(CompaninError):
    """404: no such route, or no such resource in this organization and environment."""


class ConflictError(CompaninError):
    """409: the resource's state does not allow it (e.g. `assistant_inactive`)."""


class SessionExpiredError(CompaninError):
    """410: the session has ended or expired."""


class ValidationError(CompaninError):
    """422: a field or parameter is invalid; `data` names it."""


class RateLimitedError(CompaninError):
    """429: a limit is used up; retry after `retry_after` seconds."""


class ServerError(CompaninError):
    """5xx: the server failed; quote `request_id` when reporting it."""


_BY_STATUS: dict[int, type[CompaninError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    410: SessionExpiredError,
    422: ValidationError,
    429: RateLimitedError,
}


def error_from_body(
    status_code: int, body: Mapping[str, Any], retry_after: int | None = None
) -> CompaninError:
    """The exception for an error body (also the `data` of a stream's `error` event)."""
    status_code = int(body.get("status_code", status_code))
    kind = _BY_STATUS.get(status_code, ServerError if status_code >= 500 else CompaninError)
    return kind(
        status_code,
        str(body.get("code", "unknown")),
        str(body.get("detail", "")),
        body.get("data"),
        body.get("request_id"),
        retry_after,
    )


def error_from_response(
    status_code: int, content: bytes, headers: Mapping[str, str]
) -> CompaninError:
    """The exception for an error answer; a body that is not the error shape keeps its text."""
    try:
        body = json.loads(content)
    except ValueError:
        body = None
    if not isinstance(body, Mapping):
        body = {"code": "unexpected_response", "detail": content[:200].decode(errors="replace")}
    retry_after = headers.get("retry-after")
    return error_from_body(
        status_code, body, int(retry_after) if retry_after and retry_after.isdigit() else None
    )
