from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.error_body import ErrorBody
from ...models.promote_assistant import PromoteAssistant
from ...models.promotion import Promotion
from ...types import UNSET, Response, Unset


def _get_kwargs(
    id: str,
    *,
    body: PromoteAssistant | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/assistants/{id}/promote".format(
            id=quote(str(id), safe=""),
        ),
    }

    if not isinstance(body, Unset):
        _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorBody | Promotion | None:
    if response.status_code == 200:
        response_200 = Promotion.from_dict(response.json())

        return response_200

    if response.status_code == 201:
        response_201 = Promotion.from_dict(response.json())

        return response_201

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

    if response.status_code == 503:
        response_503 = ErrorBody.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorBody | Promotion]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    id: str,
    *,
    client: AuthenticatedClient,
    body: PromoteAssistant | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[ErrorBody | Promotion]:
    """Promote a sandbox assistant to production

     Called with sandbox credentials: copies the assistant's active configuration to
    production, as a new assistant the first time and as a new version of that same
    production assistant afterwards, audited in both environments. With
    `include_knowledge`, the items the assistant answers from are copied too and ingested
    anew in production (not shared; an item production already holds is used). Knowledge
    ids in the configuration are mapped to the production items with the same content.
    Promoting the same version again answers the first promotion (200) and changes
    nothing. The body is optional.

    Args:
        id (str):
        idempotency_key (str | Unset):
        body (PromoteAssistant | Unset): What to promote besides the configuration.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | Promotion]
    """

    kwargs = _get_kwargs(
        id=id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    id: str,
    *,
    client: AuthenticatedClient,
    body: PromoteAssistant | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> ErrorBody | Promotion | None:
    """Promote a sandbox assistant to production

     Called with sandbox credentials: copies the assistant's active configuration to
    production, as a new assistant the first time and as a new version of that same
    production assistant afterwards, audited in both environments. With
    `include_knowledge`, the items the assistant answers from are copied too and ingested
    anew in production (not shared; an item production already holds is used). Knowledge
    ids in the configuration are mapped to the production items with the same content.
    Promoting the same version again answers the first promotion (200) and changes
    nothing. The body is optional.

    Args:
        id (str):
        idempotency_key (str | Unset):
        body (PromoteAssistant | Unset): What to promote besides the configuration.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | Promotion
    """

    return sync_detailed(
        id=id,
        client=client,
        body=body,
        idempotency_key=idempotency_key,
    ).parsed


async def asyncio_detailed(
    id: str,
    *,
    client: AuthenticatedClient,
    body: PromoteAssistant | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> Response[ErrorBody | Promotion]:
    """Promote a sandbox assistant to production

     Called with sandbox credentials: copies the assistant's active configuration to
    production, as a new assistant the first time and as a new version of that same
    production assistant afterwards, audited in both environments. With
    `include_knowledge`, the items the assistant answers from are copied too and ingested
    anew in production (not shared; an item production already holds is used). Knowledge
    ids in the configuration are mapped to the production items with the same content.
    Promoting the same version again answers the first promotion (200) and changes
    nothing. The body is optional.

    Args:
        id (str):
        idempotency_key (str | Unset):
        body (PromoteAssistant | Unset): What to promote besides the configuration.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorBody | Promotion]
    """

    kwargs = _get_kwargs(
        id=id,
        body=body,
        idempotency_key=idempotency_key,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    id: str,
    *,
    client: AuthenticatedClient,
    body: PromoteAssistant | Unset = UNSET,
    idempotency_key: str | Unset = UNSET,
) -> ErrorBody | Promotion | None:
    """Promote a sandbox assistant to production

     Called with sandbox credentials: copies the assistant's active configuration to
    production, as a new assistant the first time and as a new version of that same
    production assistant afterwards, audited in both environments. With
    `include_knowledge`, the items the assistant answers from are copied too and ingested
    anew in production (not shared; an item production already holds is used). Knowledge
    ids in the configuration are mapped to the production items with the same content.
    Promoting the same version again answers the first promotion (200) and changes
    nothing. The body is optional.

    Args:
        id (str):
        idempotency_key (str | Unset):
        body (PromoteAssistant | Unset): What to promote besides the configuration.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorBody | Promotion
    """

    return (
        await asyncio_detailed(
            id=id,
            client=client,
            body=body,
            idempotency_key=idempotency_key,
        )
    ).parsed
