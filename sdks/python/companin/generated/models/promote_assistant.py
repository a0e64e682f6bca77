from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="PromoteAssistant")


@_attrs_define
class PromoteAssistant:
    """What to promote besides the configuration.

    Attributes:
        include_knowledge (bool | None | Unset): Also copy the knowledge items the assistant answers from (its scope) to
            production,
            where they are ingested anew. Defaults to `false`: the configuration only, its
            knowledge ids mapped to the production items with the same content.
    """

    include_knowledge: bool | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        include_knowledge: bool | None | Unset
        if isinstance(self.include_knowledge, Unset):
            include_knowledge = UNSET
        else:
            include_knowledge = self.include_knowledge

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if include_knowledge is not UNSET:
            field_dict["include_knowledge"] = include_knowledge

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_include_knowledge(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        include_knowledge = _parse_include_knowledge(d.pop("include_knowledge", UNSET))

        promote_assistant = cls(
            include_knowledge=include_knowledge,
        )

        promote_assistant.additional_properties = d
        return promote_assistant

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
