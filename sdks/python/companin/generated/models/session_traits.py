from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.session_traits_traits import SessionTraitsTraits


T = TypeVar("T", bound="SessionTraits")


@_attrs_define
class SessionTraits:
    """The traits that apply to a session.

    Attributes:
        context_ids (list[str]): The contexts applied, in order.
        session_id (str):
        traits (SessionTraitsTraits): User-level traits, overridden by visitor-level, overridden by session-level ones.
    """

    context_ids: list[str]
    session_id: str
    traits: SessionTraitsTraits
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        context_ids = self.context_ids

        session_id = self.session_id

        traits = self.traits.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "context_ids": context_ids,
                "session_id": session_id,
                "traits": traits,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.session_traits_traits import SessionTraitsTraits

        d = dict(src_dict)
        context_ids = cast(list[str], d.pop("context_ids"))

        session_id = d.pop("session_id")

        traits = SessionTraitsTraits.from_dict(d.pop("traits"))

        session_traits = cls(
            context_ids=context_ids,
            session_id=session_id,
            traits=traits,
        )

        session_traits.additional_properties = d
        return session_traits

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
