from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="RetrievalSettings")


@_attrs_define
class RetrievalSettings:
    """How many passages to retrieve and how relevant they must be.

    Attributes:
        min_score (float): Lowest relevance score (0 to 1) a passage needs to be used.
        top_k (int): Passages retrieved per question, 1 to 50.
    """

    min_score: float
    top_k: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        min_score = self.min_score

        top_k = self.top_k

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "min_score": min_score,
                "top_k": top_k,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        min_score = d.pop("min_score")

        top_k = d.pop("top_k")

        retrieval_settings = cls(
            min_score=min_score,
            top_k=top_k,
        )

        retrieval_settings.additional_properties = d
        return retrieval_settings

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
