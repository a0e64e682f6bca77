import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_body import ErrorBody
from ...models.log_sort import LogSort
from ...models.request_log_list import RequestLogList
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    status: int | Unset = UNSET,
    min_status: int | Unset = UNSET,
    method: str | Unset = UNSET,
    route: str | Unset = UNSET,
    client_id: str | Unset = UNSET,
    min_latency_ms: float | Unset = UNSET,
    max_latency_ms: float | Unset = UNSET,
    sort: LogSort | Unset = UNSET,
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

    params["status"] = status

    params["min_status"] = min_status

    params["method"] = method

    params["route"] = route

    params["client_id"] = client_id

    params["min_latency_ms"] = min_latency_ms

    params["max_latency_ms"] = max_latency_ms

    json_sort: str | Unset = UNSET
    if not isinstance(sort, Unset):
        json_sort = sort.value

    params["sort"] = json_sort

    params["limit"] = limit

    params["offset"] = offset

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/analytics/logs",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorBody | RequestLogList | None:
    if response.status_code == 200:
        response_200 = RequestLogList.from_dict(response.json())

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
) -> Response[ErrorBody | RequestLogList]:
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
    status: int | Unset = UNSET,
    min_status: int | Unset = UNSET,
    method: str | Unset = UNSET,
    route: str | Unset = UNSET,
    client_id: str | Unset = UNSET,
    min_latency_ms: float | Unset = UNSET,
    max_latency_ms: float | Unset = UNSET,
    sort: LogSort | Unset = UNSET,
    limit: int | Unset = UNSET,
    offset: int | Unset = UNSET,
) -> Response[ErrorBody | RequestLogList]:
    """Request log

     Every API request of the caller's organization and environment, newest first unless
    `sort` says otherwise. Rows are written in batches a moment after each request
    finishes. `Accept: text/csv` exports every matching row instead of a page.

    Args:
        from_ (datetime.datetime | Unset):
        to (datetime.datetime | Unset):
        status (int | Unset):
        min_status (int | Unset):
        method (str | Unset):
        route (str | Unset):
        client_id (str | Unset):
        min_latency_ms (float | Unset):
        max_latency_ms (float | Unset):
        sort (LogSort | Unset): Order of the request log.
        limit (int | Unset):
        offset (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | RequestLogList]
    """

    kwargs = _get_kwargs(
        from_=from_,
        to=to,
        status=status,
        min_status=min_status,
        method=method,
        route=route,
        client_id=client_id,
        min_latency_ms=min_latency_ms,
        max_latency_ms=max_latency_ms,
        sort=sort,
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
    status: int | Unset = UNSET,
    min_status: int | Unset = UNSET,
    method: str | Unset = UNSET,
    route: str | Unset = UNSET,
    client_id: str | Unset = UNSET,
    min_latency_ms: float | Unset = UNSET,
    max_latency_ms: float | Unset = UNSET,
    sort: LogSort | Unset = UNSET,
    limit: int | Unset = UNSET,
    offset: int | Unset = UNSET,
) -> ErrorBody | RequestLogList | None:
    """Request log

     Every API request of the caller's organization and environment, newest first unless
    `sort` says otherwise. Rows are written in batches a moment after each request
    finishes. `Accept: text/csv` exports every matching row instead of a page.

    Args:
        from_ (datetime.datetime | Unset):
        to (datetime.datetime | Unset):
        status (int | Unset):
        min_status (int | Unset):
        method (str | Unset):
        route (str | Unset):
        client_id (str | Unset):
        min_latency_ms (float | Unset):
        max_latency_ms (float | Unset):
        sort (LogSort | Unset): Order of the request log.
        limit (int | Unset):
        offset (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | RequestLogList
    """

    return sync_detailed(
        client=client,
        from_=from_,
        to=to,
        status=status,
        min_status=min_status,
        method=method,
        route=route,
        client_id=client_id,
        min_latency_ms=min_latency_ms,
        max_latency_ms=max_latency_ms,
        sort=sort,
        limit=limit,
        offset=offset,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    status: int | Unset = UNSET,
    min_status: int | Unset = UNSET,
    method: str | Unset = UNSET,
    route: str | Unset = UNSET,
    client_id: str | Unset = UNSET,
    min_latency_ms: float | Unset = UNSET,
    max_latency_ms: float | Unset = UNSET,
    sort: LogSort | Unset = UNSET,
    limit: int | Unset = UNSET,
    offset: int | Unset = UNSET,
) -> Response[ErrorBody | RequestLogList]:
    """Request log

     Every API request of the caller's organization and environment, newest first unless
    `sort` says otherwise. Rows are written in batches a moment after each request
    finishes. `Accept: text/csv` exports every matching row instead of a page.

    Args:
        from_ (datetime.datetime | Unset):
        to (datetime.datetime | Unset):
        status (int | Unset):
        min_status (int | Unset):
        method (str | Unset):
        route (str | Unset):
        client_id (str | Unset):
        min_latency_ms (float | Unset):
        max_latency_ms (float | Unset):
        sort (LogSort | Unset): Order of the request log.
        limit (int | Unset):
        offset (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | RequestLogList]
    """

    kwargs = _get_kwargs(
        from_=from_,
        to=to,
        status=status,
        min_status=min_status,
        method=method,
        route=route,
        client_id=client_id,
        min_latency_ms=min_latency_ms,
        max_latency_ms=max_latency_ms,
        sort=sort,
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
    status: int | Unset = UNSET,
    min_status: int | Unset = UNSET,
    method: str | Unset = UNSET,
    route: str | Unset = UNSET,
    client_id: str | Unset = UNSET,
    min_latency_ms: float | Unset = UNSET,
    max_latency_ms: float | Unset = UNSET,
    sort: LogSort | Unset = UNSET,
    limit: int | Unset = UNSET,
    offset: int | Unset = UNSET,
) -> ErrorBody | RequestLogList | None:
    """Request log

     Every API request of the caller's organization and environment, newest first unless
    `sort` says otherwise. Rows are written in batches a moment after each request
    finishes. `Accept: text/csv` exports every matching row instead of a page.

    Args:
        from_ (datetime.datetime | Unset):
        to (datetime.datetime | Unset):
        status (int | Unset):
        min_status (int | Unset):
        method (str | Unset):
        route (str | Unset):
        client_id (str | Unset):
        min_latency_ms (float | Unset):
        max_latency_ms (float | Unset):
        sort (LogSort | Unset): Order of the request log.
        limit (int | Unset):
        offset (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | RequestLogList
    """

    return (
        await asyncio_detailed(
            client=client,
            from_=from_,
            to=to,
            status=status,
            min_status=min_status,
            method=method,
            route=route,
            client_id=client_id,
            min_latency_ms=min_latency_ms,
            max_latency_ms=max_latency_ms,
            sort=sort,
            limit=limit,
            offset=offset,
        )
    ).parsed
