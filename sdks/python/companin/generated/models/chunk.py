from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Chunk")


@_attrs_define
class Chunk:
    """A chunk of an item.

    Attributes:
        content (str): The text as embedded and cited, title prefix included.
        created_at (datetime.datetime):
        embedder (str): The model that embedded it. Search compares only vectors of the server's model
            (`embedder.model`); a chunk of another one is found by its words until a re-index.
        id (str):
        knowledge_id (str):
        position (int): Order within the item (a URL item: within its page), from 0.
        token_count (int):
        heading (None | str | Unset):
        language (None | str | Unset): ISO 639-1 code of its language, when known: how its words are stemmed for search.
        source (None | str | Unset):
    """

    content: str
    created_at: datetime.datetime
    embedder: str
    id: str
    knowledge_id: str
    position: int
    token_count: int
    heading: None | str | Unset = UNSET
    language: None | str | Unset = UNSET
    source: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        content = self.content

        created_at = self.created_at.isoformat()

        embedder = self.embedder

        id = self.id

        knowledge_id = self.knowledge_id

        position = self.position

        token_count = self.token_count

        heading: None | str | Unset
        if isinstance(self.heading, Unset):
            heading = UNSET
        else:
            heading = self.heading

        language: None | str | Unset
        if isinstance(self.language, Unset):
            language = UNSET
        else:
            language = self.language

        source: None | str | Unset
        if isinstance(self.source, Unset):
            source = UNSET
        else:
            source = self.source

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "content": content,
                "created_at": created_at,
                "embedder": embedder,
                "id": id,
                "knowledge_id": knowledge_id,
                "position": position,
                "token_count": token_count,
            }
        )
        if heading is not UNSET:
            field_dict["heading"] = heading
        if language is not UNSET:
            field_dict["language"] = language
        if source is not UNSET:
            field_dict["source"] = source

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        content = d.pop("content")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        embedder = d.pop("embedder")

        id = d.pop("id")

        knowledge_id = d.pop("knowledge_id")

        position = d.pop("position")

        token_count = d.pop("token_count")

        def _parse_heading(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        heading = _parse_heading(d.pop("heading", UNSET))

        def _parse_language(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        language = _parse_language(d.pop("language", UNSET))

        def _parse_source(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        source = _parse_source(d.pop("source", UNSET))

        chunk = cls(
            content=content,
            created_at=created_at,
            embedder=embedder,
            id=id,
            knowledge_id=knowledge_id,
            position=position,
            token_count=token_count,
            heading=heading,
            language=language,
            source=source,
        )

        chunk.additional_properties = d
        return chunk

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
