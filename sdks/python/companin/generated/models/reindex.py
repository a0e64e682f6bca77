from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Reindex")


@_attrs_define
class Reindex:
    """`POST /knowledge/reindex`.

    Attributes:
        knowledge_id (None | str | Unset): Only this item; all of the environment's items when absent.
    """

    knowledge_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        knowledge_id: None | str | Unset
        if isinstance(self.knowledge_id, Unset):
            knowledge_id = UNSET
        else:
            knowledge_id = self.knowledge_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if knowledge_id is not UNSET:
            field_dict["knowledge_id"] = knowledge_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_knowledge_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        knowledge_id = _parse_knowledge_id(d.pop("knowledge_id", UNSET))

        reindex = cls(
            knowledge_id=knowledge_id,
        )

        reindex.additional_properties = d
        return reindex

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
