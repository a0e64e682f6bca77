from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="PromotedKnowledge")


@_attrs_define
class PromotedKnowledge:
    """A sandbox item and its production copy.

    Attributes:
        created (bool): `false` when production already held an item with the same content, which is used.
        id (str): Its production copy (queued for ingestion; follow it with `GET /knowledge/{id}` and
            production credentials).
        source_id (str): The sandbox item.
    """

    created: bool
    id: str
    source_id: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created = self.created

        id = self.id

        source_id = self.source_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created": created,
                "id": id,
                "source_id": source_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        created = d.pop("created")

        id = d.pop("id")

        source_id = d.pop("source_id")

        promoted_knowledge = cls(
            created=created,
            id=id,
            source_id=source_id,
        )

        promoted_knowledge.additional_properties = d
        return promoted_knowledge

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
