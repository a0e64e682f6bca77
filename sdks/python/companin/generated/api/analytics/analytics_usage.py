import datetime
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_body import ErrorBody
from ...models.usage_interval import UsageInterval
from ...models.usage_report import UsageReport
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    interval: UsageInterval | Unset = UNSET,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    client_id: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_interval: str | Unset = UNSET
    if not isinstance(interval, Unset):
        json_interval = interval.value

    params["interval"] = json_interval

    json_from_: str | Unset = UNSET
    if not isinstance(from_, Unset):
        json_from_ = from_.isoformat()
    params["from"] = json_from_

    json_to: str | Unset = UNSET
    if not isinstance(to, Unset):
        json_to = to.isoformat()
    params["to"] = json_to

    params["client_id"] = client_id

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/analytics/usage",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorBody | UsageReport | None:
    if response.status_code == 200:
        response_200 = UsageReport.from_dict(response.json())

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
) -> Response[ErrorBody | UsageReport]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    interval: UsageInterval | Unset = UNSET,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    client_id: str | Unset = UNSET,
) -> Response[ErrorBody | UsageReport]:
    """Usage over time

     Requests, errors, messages sent and knowledge items created per hour or per day (UTC),
    every bucket of the range present, empty ones as zeros. The range is widened to whole
    buckets; by default the last 24 hours (`hour`) or 30 days (`day`), at most 2000
    buckets.

    Args:
        interval (UsageInterval | Unset): Bucket size of the usage report.
        from_ (datetime.datetime | Unset):
        to (datetime.datetime | Unset):
        client_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | UsageReport]
    """

    kwargs = _get_kwargs(
        interval=interval,
        from_=from_,
        to=to,
        client_id=client_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    interval: UsageInterval | Unset = UNSET,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    client_id: str | Unset = UNSET,
) -> ErrorBody | UsageReport | None:
    """Usage over time

     Requests, errors, messages sent and knowledge items created per hour or per day (UTC),
    every bucket of the range present, empty ones as zeros. The range is widened to whole
    buckets; by default the last 24 hours (`hour`) or 30 days (`day`), at most 2000
    buckets.

    Args:
        interval (UsageInterval | Unset): Bucket size of the usage report.
        from_ (datetime.datetime | Unset):
        to (datetime.datetime | Unset):
        client_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | UsageReport
    """

    return sync_detailed(
        client=client,
        interval=interval,
        from_=from_,
        to=to,
        client_id=client_id,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    interval: UsageInterval | Unset = UNSET,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    client_id: str | Unset = UNSET,
) -> Response[ErrorBody | UsageReport]:
    """Usage over time

     Requests, errors, messages sent and knowledge items created per hour or per day (UTC),
    every bucket of the range present, empty ones as zeros. The range is widened to whole
    buckets; by default the last 24 hours (`hour`) or 30 days (`day`), at most 2000
    buckets.

    Args:
        interval (UsageInterval | Unset): Bucket size of the usage report.
        from_ (datetime.datetime | Unset):
        to (datetime.datetime | Unset):
        client_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | UsageReport]
    """

    kwargs = _get_kwargs(
        interval=interval,
        from_=from_,
        to=to,
        client_id=client_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    interval: UsageInterval | Unset = UNSET,
    from_: datetime.datetime | Unset = UNSET,
    to: datetime.datetime | Unset = UNSET,
    client_id: str | Unset = UNSET,
) -> ErrorBody | UsageReport | None:
    """Usage over time

     Requests, errors, messages sent and knowledge items created per hour or per day (UTC),
    every bucket of the range present, empty ones as zeros. The range is widened to whole
    buckets; by default the last 24 hours (`hour`) or 30 days (`day`), at most 2000
    buckets.

    Args:
        interval (UsageInterval | Unset): Bucket size of the usage report.
        from_ (datetime.datetime | Unset):
        to (datetime.datetime | Unset):
        client_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | UsageReport
    """

    return (
        await asyncio_detailed(
            client=client,
            interval=interval,
            from_=from_,
            to=to,
            client_id=client_id,
        )
    ).parsed
