from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="WidgetToken")


@_attrs_define
class WidgetToken:
    """A widget token: it reaches only the widget routes, for one visitor.

    Attributes:
        authenticated (bool): Whether the customer's server vouched for the visitor (`user_hash`).
        expires_in (int): Seconds until it expires.
        token (str): A JWT; send it as `Authorization: Bearer <token>`.
        token_type (str): Always `Bearer`.
        visitor_id (str): The visitor the token speaks for: keep it to resume an anonymous visitor later.
        assistant_id (None | str | Unset): The assistant the token is bound to, if any.
    """

    authenticated: bool
    expires_in: int
    token: str
    token_type: str
    visitor_id: str
    assistant_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        authenticated = self.authenticated

        expires_in = self.expires_in

        token = self.token

        token_type = self.token_type

        visitor_id = self.visitor_id

        assistant_id: None | str | Unset
        if isinstance(self.assistant_id, Unset):
            assistant_id = UNSET
        else:
            assistant_id = self.assistant_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "authenticated": authenticated,
                "expires_in": expires_in,
                "token": token,
                "token_type": token_type,
                "visitor_id": visitor_id,
            }
        )
        if assistant_id is not UNSET:
            field_dict["assistant_id"] = assistant_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        authenticated = d.pop("authenticated")

        expires_in = d.pop("expires_in")

        token = d.pop("token")

        token_type = d.pop("token_type")

        visitor_id = d.pop("visitor_id")

        def _parse_assistant_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        assistant_id = _parse_assistant_id(d.pop("assistant_id", UNSET))

        widget_token = cls(
            authenticated=authenticated,
            expires_in=expires_in,
            token=token,
            token_type=token_type,
            visitor_id=visitor_id,
            assistant_id=assistant_id,
        )

        widget_token.additional_properties = d
        return widget_token

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
