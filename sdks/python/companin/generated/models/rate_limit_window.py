from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="RateLimitWindow")


@_attrs_define
class RateLimitWindow:
    """Allowed and refused requests of one one-hour window.

    Attributes:
        allowed (int):
        blocked (int):
        limit (int):
        start (datetime.datetime):
    """

    allowed: int
    blocked: int
    limit: int
    start: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        allowed = self.allowed

        blocked = self.blocked

        limit = self.limit

        start = self.start.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "allowed": allowed,
                "blocked": blocked,
                "limit": limit,
                "start": start,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        allowed = d.pop("allowed")

        blocked = d.pop("blocked")

        limit = d.pop("limit")

        start = datetime.datetime.fromisoformat(d.pop("start"))

        rate_limit_window = cls(
            allowed=allowed,
            blocked=blocked,
            limit=limit,
            start=start,
        )

        rate_limit_window.additional_properties = d
        return rate_limit_window

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
