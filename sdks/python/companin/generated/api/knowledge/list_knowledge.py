from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_body import ErrorBody
from ...models.knowledge_list import KnowledgeList
from ...models.knowledge_status import KnowledgeStatus
from ...models.knowledge_type import KnowledgeType
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    type_: KnowledgeType | Unset = UNSET,
    status: KnowledgeStatus | Unset = UNSET,
    assistant_id: str | Unset = UNSET,
    q: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    offset: int | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_type_: str | Unset = UNSET
    if not isinstance(type_, Unset):
        json_type_ = type_.value

    params["type"] = json_type_

    json_status: str | Unset = UNSET
    if not isinstance(status, Unset):
        json_status = status.value

    params["status"] = json_status

    params["assistant_id"] = assistant_id

    params["q"] = q

    params["limit"] = limit

    params["offset"] = offset

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/knowledge",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorBody | KnowledgeList | None:
    if response.status_code == 200:
        response_200 = KnowledgeList.from_dict(response.json())

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
) -> Response[ErrorBody | KnowledgeList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    type_: KnowledgeType | Unset = UNSET,
    status: KnowledgeStatus | Unset = UNSET,
    assistant_id: str | Unset = UNSET,
    q: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    offset: int | Unset = UNSET,
) -> Response[ErrorBody | KnowledgeList]:
    """List knowledge items

    Args:
        type_ (KnowledgeType | Unset): What an item was made from.
        status (KnowledgeStatus | Unset): Where an item's processing stands.
        assistant_id (str | Unset):
        q (str | Unset):
        limit (int | Unset):
        offset (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | KnowledgeList]
    """

    kwargs = _get_kwargs(
        type_=type_,
        status=status,
        assistant_id=assistant_id,
        q=q,
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
    type_: KnowledgeType | Unset = UNSET,
    status: KnowledgeStatus | Unset = UNSET,
    assistant_id: str | Unset = UNSET,
    q: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    offset: int | Unset = UNSET,
) -> ErrorBody | KnowledgeList | None:
    """List knowledge items

    Args:
        type_ (KnowledgeType | Unset): What an item was made from.
        status (KnowledgeStatus | Unset): Where an item's processing stands.
        assistant_id (str | Unset):
        q (str | Unset):
        limit (int | Unset):
        offset (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | KnowledgeList
    """

    return sync_detailed(
        client=client,
        type_=type_,
        status=status,
        assistant_id=assistant_id,
        q=q,
        limit=limit,
        offset=offset,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    type_: KnowledgeType | Unset = UNSET,
    status: KnowledgeStatus | Unset = UNSET,
    assistant_id: str | Unset = UNSET,
    q: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    offset: int | Unset = UNSET,
) -> Response[ErrorBody | KnowledgeList]:
    """List knowledge items

    Args:
        type_ (KnowledgeType | Unset): What an item was made from.
        status (KnowledgeStatus | Unset): Where an item's processing stands.
        assistant_id (str | Unset):
        q (str | Unset):
        limit (int | Unset):
        offset (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | KnowledgeList]
    """

    kwargs = _get_kwargs(
        type_=type_,
        status=status,
        assistant_id=assistant_id,
        q=q,
        limit=limit,
        offset=offset,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    type_: KnowledgeType | Unset = UNSET,
    status: KnowledgeStatus | Unset = UNSET,
    assistant_id: str | Unset = UNSET,
    q: str | Unset = UNSET,
    limit: int | Unset = UNSET,
    offset: int | Unset = UNSET,
) -> ErrorBody | KnowledgeList | None:
    """List knowledge items

    Args:
        type_ (KnowledgeType | Unset): What an item was made from.
        status (KnowledgeStatus | Unset): Where an item's processing stands.
        assistant_id (str | Unset):
        q (str | Unset):
        limit (int | Unset):
        offset (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | KnowledgeList
    """

    return (
        await asyncio_detailed(
            client=client,
            type_=type_,
            status=status,
            assistant_id=assistant_id,
            q=q,
            limit=limit,
            offset=offset,
        )
    ).parsed
