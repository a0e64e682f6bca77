from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="KeyStats")


@_attrs_define
class KeyStats:
    """One API credential's traffic.

    Attributes:
        client_id (str):
        error_rate (float):
        errors (int):
        is_active (bool):
        name (str):
        rate_limit_refusals (int): Requests refused by the rate limit (429).
        requests (int):
        last_used_at (datetime.datetime | None | Unset): The client's latest request in the range.
    """

    client_id: str
    error_rate: float
    errors: int
    is_active: bool
    name: str
    rate_limit_refusals: int
    requests: int
    last_used_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        client_id = self.client_id

        error_rate = self.error_rate

        errors = self.errors

        is_active = self.is_active

        name = self.name

        rate_limit_refusals = self.rate_limit_refusals

        requests = self.requests

        last_used_at: None | str | Unset
        if isinstance(self.last_used_at, Unset):
            last_used_at = UNSET
        elif isinstance(self.last_used_at, datetime.datetime):
            last_used_at = self.last_used_at.isoformat()
        else:
            last_used_at = self.last_used_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "client_id": client_id,
                "error_rate": error_rate,
                "errors": errors,
                "is_active": is_active,
                "name": name,
                "rate_limit_refusals": rate_limit_refusals,
                "requests": requests,
            }
        )
        if last_used_at is not UNSET:
            field_dict["last_used_at"] = last_used_at

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        client_id = d.pop("client_id")

        error_rate = d.pop("error_rate")

        errors = d.pop("errors")

        is_active = d.pop("is_active")

        name = d.pop("name")

        rate_limit_refusals = d.pop("rate_limit_refusals")

        requests = d.pop("requests")

        def _parse_last_used_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_used_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_used_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        last_used_at = _parse_last_used_at(d.pop("last_used_at", UNSET))

        key_stats = cls(
            client_id=client_id,
            error_rate=error_rate,
            errors=errors,
            is_active=is_active,
            name=name,
            rate_limit_refusals=rate_limit_refusals,
            requests=requests,
            last_used_at=last_used_at,
        )

        key_stats.additional_properties = d
        return key_stats

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
