"""Credentials and answers: the two things every call needs besides its generated function."""

from typing import TypeVar

import httpx

from ._errors import error_from_response
from .generated import AuthenticatedClient
from .generated.models import ErrorBody
from .generated.types import Response

T = TypeVar("T")


def connect(
    base_url: str,
    api_key: str | None = None,
    *,
    client_id: str | None = None,
    client_secret: str | None = None,
    token: str | None = None,
    timeout: float = 60.0,
) -> AuthenticatedClient:
    """A client of the server at `base_url` (its address, e.g. `http://localhost:8080`).

    Authenticates with one of: a secret key (`ck_live_…`/`ck_test_…`, sent as a bearer
    token), the key pair (`client_id` and `client_secret` in `X-API-Key`/`X-API-Secret`), or
    a bearer `token` (from `POST /auth/token`, or a widget token).
    """
    base_url = base_url.rstrip("/") + "/api/v1"
    if client_id and client_secret and not (api_key or token):
        return AuthenticatedClient(
            base_url=base_url,
            token=client_id,
            prefix="",
            auth_header_name="X-API-Key",
            headers={"X-API-Secret": client_secret},
            timeout=httpx.Timeout(timeout),
        )
    bearer = api_key or token
    if not bearer or (api_key and token):
        raise ValueError("give one of: api_key, client_id with client_secret, token")
    return AuthenticatedClient(base_url=base_url, token=bearer, timeout=httpx.Timeout(timeout))


def unwrap(response: Response[T | ErrorBody | None]) -> T:
    """The answer of a `sync_detailed`/`asyncio_detailed` call, or its error raised.

    A 2xx answer returns its parsed model (`None` for 204); any other status raises the
    `CompaninError` subclass of its status, carrying the error body's `code`.
    """
    if 200 <= response.status_code < 300 and not isinstance(response.parsed, ErrorBody):
        return response.parsed  # type: ignore[return-value]
    raise error_from_response(response.status_code, response.content, response.headers)
