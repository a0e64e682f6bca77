from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="MessageSource")


@_attrs_define
class MessageSource:
    """A passage a reply was grounded in.

    Attributes:
        knowledge_id (str):
        score (float): Cosine similarity of the passage to the question (for a curated Q&A: of its
            question).
        snippet (str): The passage's text.
        title (str): The item's title.
        chunk_id (None | str | Unset):
        source (None | str | Unset): The file name or page URL.
    """

    knowledge_id: str
    score: float
    snippet: str
    title: str
    chunk_id: None | str | Unset = UNSET
    source: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        knowledge_id = self.knowledge_id

        score = self.score

        snippet = self.snippet

        title = self.title

        chunk_id: None | str | Unset
        if isinstance(self.chunk_id, Unset):
            chunk_id = UNSET
        else:
            chunk_id = self.chunk_id

        source: None | str | Unset
        if isinstance(self.source, Unset):
            source = UNSET
        else:
            source = self.source

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "knowledge_id": knowledge_id,
                "score": score,
                "snippet": snippet,
                "title": title,
            }
        )
        if chunk_id is not UNSET:
            field_dict["chunk_id"] = chunk_id
        if source is not UNSET:
            field_dict["source"] = source

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        knowledge_id = d.pop("knowledge_id")

        score = d.pop("score")

        snippet = d.pop("snippet")

        title = d.pop("title")

        def _parse_chunk_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        chunk_id = _parse_chunk_id(d.pop("chunk_id", UNSET))

        def _parse_source(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        source = _parse_source(d.pop("source", UNSET))

        message_source = cls(
            knowledge_id=knowledge_id,
            score=score,
            snippet=snippet,
            title=title,
            chunk_id=chunk_id,
            source=source,
        )

        message_source.additional_properties = d
        return message_source

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
