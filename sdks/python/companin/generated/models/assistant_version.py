from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.assistant_config import AssistantConfig


T = TypeVar("T", bound="AssistantVersion")


@_attrs_define
class AssistantVersion:
    """One immutable version of an assistant's configuration.

    Attributes:
        assistant_id (str):
        changed_fields (list[str]): Fields that differ from the previous version (dotted for nested ones); empty for
            version 1.
        config (AssistantConfig): An assistant's whole configuration, as every version holds it.
        created_at (datetime.datetime):
        version (int):
        rolled_back_from (int | None | Unset): The version this one restored, when it was made by a rollback.
    """

    assistant_id: str
    changed_fields: list[str]
    config: AssistantConfig
    created_at: datetime.datetime
    version: int
    rolled_back_from: int | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        assistant_id = self.assistant_id

        changed_fields = self.changed_fields

        config = self.config.to_dict()

        created_at = self.created_at.isoformat()

        version = self.version

        rolled_back_from: int | None | Unset
        if isinstance(self.rolled_back_from, Unset):
            rolled_back_from = UNSET
        else:
            rolled_back_from = self.rolled_back_from

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "assistant_id": assistant_id,
                "changed_fields": changed_fields,
                "config": config,
                "created_at": created_at,
                "version": version,
            }
        )
        if rolled_back_from is not UNSET:
            field_dict["rolled_back_from"] = rolled_back_from

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.assistant_config import AssistantConfig

        d = dict(src_dict)
        assistant_id = d.pop("assistant_id")

        changed_fields = cast(list[str], d.pop("changed_fields"))

        config = AssistantConfig.from_dict(d.pop("config"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        version = d.pop("version")

        def _parse_rolled_back_from(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        rolled_back_from = _parse_rolled_back_from(d.pop("rolled_back_from", UNSET))

        assistant_version = cls(
            assistant_id=assistant_id,
            changed_fields=changed_fields,
            config=config,
            created_at=created_at,
            version=version,
            rolled_back_from=rolled_back_from,
        )

        assistant_version.additional_properties = d
        return assistant_version

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
