import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_body import ErrorBody
from ...models.rate_limit_event_kind import RateLimitEventKind
from ...models.rate_limit_report import RateLimitReport
from ...models.rate_limit_window_kind import RateLimitWindowKind
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    kind: RateLimitEventKind | Unset = UNSET,
    window: RateLimitWindowKind | Unset = UNSET,
    client_id: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    offset: int | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_from_: str | Unset = UNSET
    if not isinstance(from_, Unset):
        json_from_ = from_.isoformat()
    params["from"] = json_from_

    json_to: str | Unset = UNSET
    if not isinstance(to, Unset):
        json_to = to.isoformat()
    params["to"] = json_to

    json_kind: str | Unset = UNSET
    if not isinstance(kind, Unset):
        json_kind = kind.value

    params["kind"] = json_kind

    json_window: str | Unset = UNSET
    if not isinstance(window, Unset):
        json_window = window.value

    params["window"] = json_window

    params["client_id"] = client_id

    params["limit"] = limit

    params["offset"] = offset

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/analytics/rate-limits",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorBody | RateLimitReport | None:
    if response.status_code == 200:
        response_200 = RateLimitReport.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = ErrorBody.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = ErrorBody.from_dict(response.json())

        return response_403

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
) -> Response[ErrorBody | RateLimitReport]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    kind: RateLimitEventKind | Unset = UNSET,
    window: RateLimitWindowKind | Unset = UNSET,
    client_id: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    offset: int | Unset = UNSET,
) -> Response[ErrorBody | RateLimitReport]:
    """Rate limit

     The current hourly window and UTC day (limit, used, remaining, reset), allowed and
    blocked requests per one-hour window of the range, and the `warning` and `blocked`
    events of both windows, newest first.

    Args:
        from_ (datetime.datetime | Unset):
        to (datetime.datetime | Unset):
        kind (RateLimitEventKind | Unset): The kinds of rate-limit event.
        window (RateLimitWindowKind | Unset): The windows of the rate limit.
        client_id (str | Unset):
        limit (int | Unset):
        offset (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | RateLimitReport]
    """

    kwargs = _get_kwargs(
        from_=from_,
        to=to,
        kind=kind,
        window=window,
        client_id=client_id,
        limit=limit,
        offset=offset,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    kind: RateLimitEventKind | Unset = UNSET,
    window: RateLimitWindowKind | Unset = UNSET,
    client_id: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    offset: int | Unset = UNSET,
) -> ErrorBody | RateLimitReport | None:
    """Rate limit

     The current hourly window and UTC day (limit, used, remaining, reset), allowed and
    blocked requests per one-hour window of the range, and the `warning` and `blocked`
    events of both windows, newest first.

    Args:
        from_ (datetime.datetime | Unset):
        to (datetime.datetime | Unset):
        kind (RateLimitEventKind | Unset): The kinds of rate-limit event.
        window (RateLimitWindowKind | Unset): The windows of the rate limit.
        client_id (str | Unset):
        limit (int | Unset):
        offset (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | RateLimitReport
    """

    return sync_detailed(
        client=client,
        from_=from_,
        to=to,
        kind=kind,
        window=window,
        client_id=client_id,
        limit=limit,
        offset=offset,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    kind: RateLimitEventKind | Unset = UNSET,
    window: RateLimitWindowKind | Unset = UNSET,
    client_id: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    offset: int | Unset = UNSET,
) -> Response[ErrorBody | RateLimitReport]:
    """Rate limit

     The current hourly window and UTC day (limit, used, remaining, reset), allowed and
    blocked requests per one-hour window of the range, and the `warning` and `blocked`
    events of both windows, newest first.

    Args:
        from_ (datetime.datetime | Unset):
        to (datetime.datetime | Unset):
        kind (RateLimitEventKind | Unset): The kinds of rate-limit event.
        window (RateLimitWindowKind | Unset): The windows of the rate limit.
        client_id (str | Unset):
        limit (int | Unset):
        offset (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | RateLimitReport]
    """

    kwargs = _get_kwargs(
        from_=from_,
        to=to,
        kind=kind,
        window=window,
        client_id=client_id,
        limit=limit,
        offset=offset,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    kind: RateLimitEventKind | Unset = UNSET,
    window: RateLimitWindowKind | Unset = UNSET,
    client_id: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    offset: int | Unset = UNSET,
) -> ErrorBody | RateLimitReport | None:
    """Rate limit

     The current hourly window and UTC day (limit, used, remaining, reset), allowed and
    blocked requests per one-hour window of the range, and the `warning` and `blocked`
    events of both windows, newest first.

    Args:
        from_ (datetime.datetime | Unset):
        to (datetime.datetime | Unset):
        kind (RateLimitEventKind | Unset): The kinds of rate-limit event.
        window (RateLimitWindowKind | Unset): The windows of the rate limit.
        client_id (str | Unset):
        limit (int | Unset):
        offset (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | RateLimitReport
    """

    return (
        await asyncio_detailed(
            client=client,
            from_=from_,
            to=to,
            kind=kind,
            window=window,
            client_id=client_id,
            limit=limit,
            offset=offset,
        )
    ).parsed
