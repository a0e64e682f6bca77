from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="RequestLogEntry")


@_attrs_define
class RequestLogEntry:
    """One API request.

    Attributes:
        id (int):
        latency_ms (float):
        method (str):
        request_id (str):
        route (str): The route template, e.g. `/api/v1/clients/{id}`.
        status (int):
        time (datetime.datetime):
        client_id (None | str | Unset):
    """

    id: int
    latency_ms: float
    method: str
    request_id: str
    route: str
    status: int
    time: datetime.datetime
    client_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        latency_ms = self.latency_ms

        method = self.method

        request_id = self.request_id

        route = self.route

        status = self.status

        time = self.time.isoformat()

        client_id: None | str | Unset
        if isinstance(self.client_id, Unset):
            client_id = UNSET
        else:
            client_id = self.client_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "latency_ms": latency_ms,
                "method": method,
                "request_id": request_id,
                "route": route,
                "status": status,
                "time": time,
            }
        )
        if client_id is not UNSET:
            field_dict["client_id"] = client_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        id = d.pop("id")

        latency_ms = d.pop("latency_ms")

        method = d.pop("method")

        request_id = d.pop("request_id")

        route = d.pop("route")

        status = d.pop("status")

        time = datetime.datetime.fromisoformat(d.pop("time"))

        def _parse_client_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        client_id = _parse_client_id(d.pop("client_id", UNSET))

        request_log_entry = cls(
            id=id,
            latency_ms=latency_ms,
            method=method,
            request_id=request_id,
            route=route,
            status=status,
            time=time,
            client_id=client_id,
        )

        request_log_entry.additional_properties = d
        return request_log_entry

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
