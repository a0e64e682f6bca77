from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.page_status import PageStatus
from ..types import UNSET, Unset

T = TypeVar("T", bound="KnowledgePage")


@_attrs_define
class KnowledgePage:
    """A crawled page of a URL item.

    Attributes:
        chunk_count (int):
        created_at (datetime.datetime):
        depth (int): Links followed from the item's URL to reach it (0: the URL itself or a sitemap entry).
        id (str):
        knowledge_id (str):
        status (PageStatus): What the last fetch of a page found.
        updated_at (datetime.datetime):
        url (str): Its URL in normal form (canonical when the page names one); its chunks' `source`.
        content_hash (None | str | Unset): sha256 of the content last read.
        http_status (int | None | Unset): The HTTP status of the last fetch (304: unchanged).
        last_fetched_at (datetime.datetime | None | Unset):
        media_type (None | str | Unset):
        reason (None | str | Unset): Why it was skipped or failed.
        title (None | str | Unset):
    """

    chunk_count: int
    created_at: datetime.datetime
    depth: int
    id: str
    knowledge_id: str
    status: PageStatus
    updated_at: datetime.datetime
    url: str
    content_hash: None | str | Unset = UNSET
    http_status: int | None | Unset = UNSET
    last_fetched_at: datetime.datetime | None | Unset = UNSET
    media_type: None | str | Unset = UNSET
    reason: None | str | Unset = UNSET
    title: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        chunk_count = self.chunk_count

        created_at = self.created_at.isoformat()

        depth = self.depth

        id = self.id

        knowledge_id = self.knowledge_id

        status = self.status.value

        updated_at = self.updated_at.isoformat()

        url = self.url

        content_hash: None | str | Unset
        if isinstance(self.content_hash, Unset):
            content_hash = UNSET
        else:
            content_hash = self.content_hash

        http_status: int | None | Unset
        if isinstance(self.http_status, Unset):
            http_status = UNSET
        else:
            http_status = self.http_status

        last_fetched_at: None | str | Unset
        if isinstance(self.last_fetched_at, Unset):
            last_fetched_at = UNSET
        elif isinstance(self.last_fetched_at, datetime.datetime):
            last_fetched_at = self.last_fetched_at.isoformat()
        else:
            last_fetched_at = self.last_fetched_at

        media_type: None | str | Unset
        if isinstance(self.media_type, Unset):
            media_type = UNSET
        else:
            media_type = self.media_type

        reason: None | str | Unset
        if isinstance(self.reason, Unset):
            reason = UNSET
        else:
            reason = self.reason

        title: None | str | Unset
        if isinstance(self.title, Unset):
            title = UNSET
        else:
            title = self.title

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "chunk_count": chunk_count,
                "created_at": created_at,
                "depth": depth,
                "id": id,
                "knowledge_id": knowledge_id,
                "status": status,
                "updated_at": updated_at,
                "url": url,
            }
        )
        if content_hash is not UNSET:
            field_dict["content_hash"] = content_hash
        if http_status is not UNSET:
            field_dict["http_status"] = http_status
        if last_fetched_at is not UNSET:
            field_dict["last_fetched_at"] = last_fetched_at
        if media_type is not UNSET:
            field_dict["media_type"] = media_type
        if reason is not UNSET:
            field_dict["reason"] = reason
        if title is not UNSET:
            field_dict["title"] = title

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        chunk_count = d.pop("chunk_count")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        depth = d.pop("depth")

        id = d.pop("id")

        knowledge_id = d.pop("knowledge_id")

        status = PageStatus(d.pop("status"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        url = d.pop("url")

        def _parse_content_hash(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        content_hash = _parse_content_hash(d.pop("content_hash", UNSET))

        def _parse_http_status(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        http_status = _parse_http_status(d.pop("http_status", UNSET))

        def _parse_last_fetched_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_fetched_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_fetched_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        last_fetched_at = _parse_last_fetched_at(d.pop("last_fetched_at", UNSET))

        def _parse_media_type(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        media_type = _parse_media_type(d.pop("media_type", UNSET))

        def _parse_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        reason = _parse_reason(d.pop("reason", UNSET))

        def _parse_title(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        title = _parse_title(d.pop("title", UNSET))

        knowledge_page = cls(
            chunk_count=chunk_count,
            created_at=created_at,
            depth=depth,
            id=id,
            knowledge_id=knowledge_id,
            status=status,
            updated_at=updated_at,
            url=url,
            content_hash=content_hash,
            http_status=http_status,
            last_fetched_at=last_fetched_at,
            media_type=media_type,
            reason=reason,
            title=title,
        )

        knowledge_page.additional_properties = d
        return knowledge_page

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
