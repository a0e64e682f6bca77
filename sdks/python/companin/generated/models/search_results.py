from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.search_hit import SearchHit


T = TypeVar("T", bound="SearchResults")


@_attrs_define
class SearchResults:
    """The search's results, best first.

    Attributes:
        items (list[SearchHit]):
        min_score (float): The `min_score` applied.
        top_k (int): The `top_k` applied.
        total (int):
    """

    items: list[SearchHit]
    min_score: float
    top_k: int
    total: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        items = []
        for items_item_data in self.items:
            items_item = items_item_data.to_dict()
            items.append(items_item)

        min_score = self.min_score

        top_k = self.top_k

        total = self.total

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "items": items,
                "min_score": min_score,
                "top_k": top_k,
                "total": total,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.search_hit import SearchHit

        d = dict(src_dict)
        items = []
        _items = d.pop("items")
        for items_item_data in _items:
            items_item = SearchHit.from_dict(items_item_data)

            items.append(items_item)

        min_score = d.pop("min_score")

        top_k = d.pop("top_k")

        total = d.pop("total")

        search_results = cls(
            items=items,
            min_score=min_score,
            top_k=top_k,
            total=total,
        )

        search_results.additional_properties = d
        return search_results

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
