from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.retriever import Retriever
from ..types import UNSET, Unset

T = TypeVar("T", bound="SearchHit")


@_attrs_define
class SearchHit:
    """A ranked chunk.

    Attributes:
        chunk_id (str):
        knowledge_id (str):
        retrievers (list[Retriever]): The retrievers whose results held this chunk.
        score (float): Relevance of the chunk to the query (0 to 1): its cosine similarity, read on one scale
            whatever the embedder; what `min_score` is compared with. The order is the fused ranking of both retrievers, so
            it need not be monotonic.
        snippet (str): The chunk's text.
        title (str): The item's title.
        source (None | str | Unset): The file name or URL.
    """

    chunk_id: str
    knowledge_id: str
    retrievers: list[Retriever]
    score: float
    snippet: str
    title: str
    source: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        chunk_id = self.chunk_id

        knowledge_id = self.knowledge_id

        retrievers = []
        for retrievers_item_data in self.retrievers:
            retrievers_item = retrievers_item_data.value
            retrievers.append(retrievers_item)

        score = self.score

        snippet = self.snippet

        title = self.title

        source: None | str | Unset
        if isinstance(self.source, Unset):
            source = UNSET
        else:
            source = self.source

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "chunk_id": chunk_id,
                "knowledge_id": knowledge_id,
                "retrievers": retrievers,
                "score": score,
                "snippet": snippet,
                "title": title,
            }
        )
        if source is not UNSET:
            field_dict["source"] = source

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        chunk_id = d.pop("chunk_id")

        knowledge_id = d.pop("knowledge_id")

        retrievers = []
        _retrievers = d.pop("retrievers")
        for retrievers_item_data in _retrievers:
            retrievers_item = Retriever(retrievers_item_data)

            retrievers.append(retrievers_item)

        score = d.pop("score")

        snippet = d.pop("snippet")

        title = d.pop("title")

        def _parse_source(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        source = _parse_source(d.pop("source", UNSET))

        search_hit = cls(
            chunk_id=chunk_id,
            knowledge_id=knowledge_id,
            retrievers=retrievers,
            score=score,
            snippet=snippet,
            title=title,
            source=source,
        )

        search_hit.additional_properties = d
        return search_hit

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
