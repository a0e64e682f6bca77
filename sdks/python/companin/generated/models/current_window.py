from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="CurrentWindow")


@_attrs_define
class CurrentWindow:
    """The rate-limit window in force now.

    Attributes:
        limit (int):
        remaining (int):
        reset (int): Unix seconds at which the window resets, as in `X-RateLimit-Reset`.
        used (int): Requests admitted so far in this window (this one included).
        window_start (datetime.datetime):
    """

    limit: int
    remaining: int
    reset: int
    used: int
    window_start: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        limit = self.limit

        remaining = self.remaining

        reset = self.reset

        used = self.used

        window_start = self.window_start.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "limit": limit,
                "remaining": remaining,
                "reset": reset,
                "used": used,
                "window_start": window_start,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        limit = d.pop("limit")

        remaining = d.pop("remaining")

        reset = d.pop("reset")

        used = d.pop("used")

        window_start = datetime.datetime.fromisoformat(d.pop("window_start"))

        current_window = cls(
            limit=limit,
            remaining=remaining,
            reset=reset,
            used=used,
            window_start=window_start,
        )

        current_window.additional_properties = d
        return current_window

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
