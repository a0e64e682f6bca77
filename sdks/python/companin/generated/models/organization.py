from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="Organization")


@_attrs_define
class Organization:
    """A tenant.

    Attributes:
        created_at (datetime.datetime):
        id (str):
        name (str):
        rate_limit_is_custom (bool): Whether `rate_limit_per_hour` is this organization's own (otherwise the default).
        rate_limit_per_day (int): The quota in force, per environment and UTC day.
        rate_limit_per_day_is_custom (bool): Whether `rate_limit_per_day` is this organization's own (otherwise the
            default).
        rate_limit_per_hour (int): The limit in force, per environment and hour.
        updated_at (datetime.datetime):
    """

    created_at: datetime.datetime
    id: str
    name: str
    rate_limit_is_custom: bool
    rate_limit_per_day: int
    rate_limit_per_day_is_custom: bool
    rate_limit_per_hour: int
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        id = self.id

        name = self.name

        rate_limit_is_custom = self.rate_limit_is_custom

        rate_limit_per_day = self.rate_limit_per_day

        rate_limit_per_day_is_custom = self.rate_limit_per_day_is_custom

        rate_limit_per_hour = self.rate_limit_per_hour

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "id": id,
                "name": name,
                "rate_limit_is_custom": rate_limit_is_custom,
                "rate_limit_per_day": rate_limit_per_day,
                "rate_limit_per_day_is_custom": rate_limit_per_day_is_custom,
                "rate_limit_per_hour": rate_limit_per_hour,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        id = d.pop("id")

        name = d.pop("name")

        rate_limit_is_custom = d.pop("rate_limit_is_custom")

        rate_limit_per_day = d.pop("rate_limit_per_day")

        rate_limit_per_day_is_custom = d.pop("rate_limit_per_day_is_custom")

        rate_limit_per_hour = d.pop("rate_limit_per_hour")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        organization = cls(
            created_at=created_at,
            id=id,
            name=name,
            rate_limit_is_custom=rate_limit_is_custom,
            rate_limit_per_day=rate_limit_per_day,
            rate_limit_per_day_is_custom=rate_limit_per_day_is_custom,
            rate_limit_per_hour=rate_limit_per_hour,
            updated_at=updated_at,
        )

        organization.additional_properties = d
        return organization

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
