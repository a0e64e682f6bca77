from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="RateLimitEvent")


@_attrs_define
class RateLimitEvent:
    """A `warning` (first request past 80 % of the limit in a window) or a `blocked` refusal.

    Attributes:
        client_id (str): The client whose request triggered the event.
        id (int):
        kind (str): `warning` or `blocked`.
        limit (int):
        request_id (str):
        time (datetime.datetime):
        used (int): Requests admitted in the window when it happened.
        window (str): Which window: `hour` (the hourly limit) or `day` (the daily quota).
        window_start (datetime.datetime):
    """

    client_id: str
    id: int
    kind: str
    limit: int
    request_id: str
    time: datetime.datetime
    used: int
    window: str
    window_start: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        client_id = self.client_id

        id = self.id

        kind = self.kind

        limit = self.limit

        request_id = self.request_id

        time = self.time.isoformat()

        used = self.used

        window = self.window

        window_start = self.window_start.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "client_id": client_id,
                "id": id,
                "kind": kind,
                "limit": limit,
                "request_id": request_id,
                "time": time,
                "used": used,
                "window": window,
                "window_start": window_start,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        client_id = d.pop("client_id")

        id = d.pop("id")

        kind = d.pop("kind")

        limit = d.pop("limit")

        request_id = d.pop("request_id")

        time = datetime.datetime.fromisoformat(d.pop("time"))

        used = d.pop("used")

        window = d.pop("window")

        window_start = datetime.datetime.fromisoformat(d.pop("window_start"))

        rate_limit_event = cls(
            client_id=client_id,
            id=id,
            kind=kind,
            limit=limit,
            request_id=request_id,
            time=time,
            used=used,
            window=window,
            window_start=window_start,
        )

        rate_limit_event.additional_properties = d
        return rate_limit_event

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
