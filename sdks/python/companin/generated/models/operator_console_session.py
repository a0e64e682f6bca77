from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="OperatorConsoleSession")


@_attrs_define
class OperatorConsoleSession:
    """The operator's console session. The session itself is the `HttpOnly` cookie
    `companin_operator`; page scripts never see it.

        Attributes:
            csrf_token (str): Send it as `X-CSRF-Token` with every write made with the session cookie.
            expires_at (datetime.datetime):
    """

    csrf_token: str
    expires_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        csrf_token = self.csrf_token

        expires_at = self.expires_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "csrf_token": csrf_token,
                "expires_at": expires_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        csrf_token = d.pop("csrf_token")

        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        operator_console_session = cls(
            csrf_token=csrf_token,
            expires_at=expires_at,
        )

        operator_console_session.additional_properties = d
        return operator_console_session

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
