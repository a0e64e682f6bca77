from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.create_widget_token import CreateWidgetToken
from ...models.error_body import ErrorBody
from ...models.widget_token import WidgetToken
from ...types import Response


def _get_kwargs(
    *,
    body: CreateWidgetToken,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/widget/token",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorBody | WidgetToken | None:
    if response.status_code == 200:
        response_200 = WidgetToken.from_dict(response.json())

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

    if response.status_code == 404:
        response_404 = ErrorBody.from_dict(response.json())

        return response_404

    if response.status_code == 409:
        response_409 = ErrorBody.from_dict(response.json())

        return response_409

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
) -> Response[ErrorBody | WidgetToken]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: CreateWidgetToken,
) -> Response[ErrorBody | WidgetToken]:
    """Get a widget token

     Called by the widget in the browser, without a secret: the request's `Origin` must be
    one of the client's `allowed_origins`. The token reaches only the widget routes, for
    one visitor: anonymous, unless `user_id` comes with `user_hash` = hex
    HMAC-SHA256(`user_id`, key = client secret) computed by the customer's server. Each
    token request counts against the widget's limits (per client address, per origin, the
    widget's share of the organization's budget), then costs one request of the
    organization's rate limit.

    Or called by the customer's server with the client's key pair (or its one-string
    secret key): no `Origin` is needed, `client_id` may be left out, and a `user_id` sent
    is taken as verified. The page then starts the widget with the token (`data-token`,
    or `Companin.init({token})`). Such a request costs one request of the rate limit.

    Args:
        body (CreateWidgetToken): What the widget asks a token for. No secret: the request's
            `Origin` must be one of the
            client's `allowed_origins`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | WidgetToken]
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
    body: CreateWidgetToken,
) -> ErrorBody | WidgetToken | None:
    """Get a widget token

     Called by the widget in the browser, without a secret: the request's `Origin` must be
    one of the client's `allowed_origins`. The token reaches only the widget routes, for
    one visitor: anonymous, unless `user_id` comes with `user_hash` = hex
    HMAC-SHA256(`user_id`, key = client secret) computed by the customer's server. Each
    token request counts against the widget's limits (per client address, per origin, the
    widget's share of the organization's budget), then costs one request of the
    organization's rate limit.

    Or called by the customer's server with the client's key pair (or its one-string
    secret key): no `Origin` is needed, `client_id` may be left out, and a `user_id` sent
    is taken as verified. The page then starts the widget with the token (`data-token`,
    or `Companin.init({token})`). Such a request costs one request of the rate limit.

    Args:
        body (CreateWidgetToken): What the widget asks a token for. No secret: the request's
            `Origin` must be one of the
            client's `allowed_origins`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | WidgetToken
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: CreateWidgetToken,
) -> Response[ErrorBody | WidgetToken]:
    """Get a widget token

     Called by the widget in the browser, without a secret: the request's `Origin` must be
    one of the client's `allowed_origins`. The token reaches only the widget routes, for
    one visitor: anonymous, unless `user_id` comes with `user_hash` = hex
    HMAC-SHA256(`user_id`, key = client secret) computed by the customer's server. Each
    token request counts against the widget's limits (per client address, per origin, the
    widget's share of the organization's budget), then costs one request of the
    organization's rate limit.

    Or called by the customer's server with the client's key pair (or its one-string
    secret key): no `Origin` is needed, `client_id` may be left out, and a `user_id` sent
    is taken as verified. The page then starts the widget with the token (`data-token`,
    or `Companin.init({token})`). Such a request costs one request of the rate limit.

    Args:
        body (CreateWidgetToken): What the widget asks a token for. No secret: the request's
            `Origin` must be one of the
            client's `allowed_origins`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | WidgetToken]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: CreateWidgetToken,
) -> ErrorBody | WidgetToken | None:
    """Get a widget token

     Called by the widget in the browser, without a secret: the request's `Origin` must be
    one of the client's `allowed_origins`. The token reaches only the widget routes, for
    one visitor: anonymous, unless `user_id` comes with `user_hash` = hex
    HMAC-SHA256(`user_id`, key = client secret) computed by the customer's server. Each
    token request counts against the widget's limits (per client address, per origin, the
    widget's share of the organization's budget), then costs one request of the
    organization's rate limit.

    Or called by the customer's server with the client's key pair (or its one-string
    secret key): no `Origin` is needed, `client_id` may be left out, and a `user_id` sent
    is taken as verified. The page then starts the widget with the token (`data-token`,
    or `Companin.init({token})`). Such a request costs one request of the rate limit.

    Args:
        body (CreateWidgetToken): What the widget asks a token for. No secret: the request's
            `Origin` must be one of the
            client's `allowed_origins`.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | WidgetToken
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
