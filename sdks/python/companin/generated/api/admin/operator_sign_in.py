from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_body import ErrorBody
from ...models.operator_console_session import OperatorConsoleSession
from ...models.operator_sign_in import OperatorSignIn
from ...types import Response


def _get_kwargs(
    *,
    body: OperatorSignIn,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/auth/operator/login",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorBody | OperatorConsoleSession | None:
    if response.status_code == 200:
        response_200 = OperatorConsoleSession.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorBody.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorBody.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorBody.from_dict(response.json())

        return response_403

    if response.status_code == 413:
        response_413 = ErrorBody.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = ErrorBody.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = ErrorBody.from_dict(response.json())

        return response_422

    if response.status_code == 429:
        response_429 = ErrorBody.from_dict(response.json())

        return response_429

    if response.status_code == 500:
        response_500 = ErrorBody.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorBody | OperatorConsoleSession]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: OperatorSignIn,
) -> Response[ErrorBody | OperatorConsoleSession]:
    """Sign in to the console as the platform operator

     The operator token opens a console session: an `HttpOnly`, `SameSite=Strict` cookie
    that the admin routes accept in place of `X-Operator-Token`. Repeated failures lock
    the operator's sign-in, and the client address, for a growing while (429
    `sign_in_throttled` with `Retry-After`).

    Args:
        body (OperatorSignIn): The operator token, to open a console session.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | OperatorConsoleSession]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: OperatorSignIn,
) -> ErrorBody | OperatorConsoleSession | None:
    """Sign in to the console as the platform operator

     The operator token opens a console session: an `HttpOnly`, `SameSite=Strict` cookie
    that the admin routes accept in place of `X-Operator-Token`. Repeated failures lock
    the operator's sign-in, and the client address, for a growing while (429
    `sign_in_throttled` with `Retry-After`).

    Args:
        body (OperatorSignIn): The operator token, to open a console session.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | OperatorConsoleSession
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: OperatorSignIn,
) -> Response[ErrorBody | OperatorConsoleSession]:
    """Sign in to the console as the platform operator

     The operator token opens a console session: an `HttpOnly`, `SameSite=Strict` cookie
    that the admin routes accept in place of `X-Operator-Token`. Repeated failures lock
    the operator's sign-in, and the client address, for a growing while (429
    `sign_in_throttled` with `Retry-After`).

    Args:
        body (OperatorSignIn): The operator token, to open a console session.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | OperatorConsoleSession]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: OperatorSignIn,
) -> ErrorBody | OperatorConsoleSession | None:
    """Sign in to the console as the platform operator

     The operator token opens a console session: an `HttpOnly`, `SameSite=Strict` cookie
    that the admin routes accept in place of `X-Operator-Token`. Repeated failures lock
    the operator's sign-in, and the client address, for a growing while (429
    `sign_in_throttled` with `Retry-After`).

    Args:
        body (OperatorSignIn): The operator token, to open a console session.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | OperatorConsoleSession
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
