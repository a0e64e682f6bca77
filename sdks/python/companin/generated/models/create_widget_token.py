from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateWidgetToken")


@_attrs_define
class CreateWidgetToken:
    """What the widget asks a token for. No secret: the request's `Origin` must be one of the
    client's `allowed_origins`.

        Attributes:
            assistant_id (None | str | Unset): Bind the token to this assistant; without it, any of the environment's
                assistants.
            client_id (None | str | Unset): The client (OAuth application) the widget belongs to. Required from a page; the
                customer's server, calling with the key pair, may leave it out.
            user_hash (None | str | Unset): Hex HMAC-SHA256 of `user_id` keyed with the client secret, computed by the
                customer's
                server. A wrong hash answers 401 `invalid_user_hash`.
            user_id (None | str | Unset): The customer's user id. From a page it is ignored (the visitor stays anonymous)
                unless `user_hash` vouches for it; the customer's server, calling with the key pair,
                vouches for it by sending it.
            visitor_id (None | str | Unset): An anonymous visitor's id from an earlier token, to resume their sessions (a
                `vis_` id this route returned); anything else starts a new visitor.
    """

    assistant_id: None | str | Unset = UNSET
    client_id: None | str | Unset = UNSET
    user_hash: None | str | Unset = UNSET
    user_id: None | str | Unset = UNSET
    visitor_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        assistant_id: None | str | Unset
        if isinstance(self.assistant_id, Unset):
            assistant_id = UNSET
        else:
            assistant_id = self.assistant_id

        client_id: None | str | Unset
        if isinstance(self.client_id, Unset):
            client_id = UNSET
        else:
            client_id = self.client_id

        user_hash: None | str | Unset
        if isinstance(self.user_hash, Unset):
            user_hash = UNSET
        else:
            user_hash = self.user_hash

        user_id: None | str | Unset
        if isinstance(self.user_id, Unset):
            user_id = UNSET
        else:
            user_id = self.user_id

        visitor_id: None | str | Unset
        if isinstance(self.visitor_id, Unset):
            visitor_id = UNSET
        else:
            visitor_id = self.visitor_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if assistant_id is not UNSET:
            field_dict["assistant_id"] = assistant_id
        if client_id is not UNSET:
            field_dict["client_id"] = client_id
        if user_hash is not UNSET:
            field_dict["user_hash"] = user_hash
        if user_id is not UNSET:
            field_dict["user_id"] = user_id
        if visitor_id is not UNSET:
            field_dict["visitor_id"] = visitor_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_assistant_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        assistant_id = _parse_assistant_id(d.pop("assistant_id", UNSET))

        def _parse_client_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        client_id = _parse_client_id(d.pop("client_id", UNSET))

        def _parse_user_hash(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        user_hash = _parse_user_hash(d.pop("user_hash", UNSET))

        def _parse_user_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        user_id = _parse_user_id(d.pop("user_id", UNSET))

        def _parse_visitor_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        visitor_id = _parse_visitor_id(d.pop("visitor_id", UNSET))

        create_widget_token = cls(
            assistant_id=assistant_id,
            client_id=client_id,
            user_hash=user_hash,
            user_id=user_id,
            visitor_id=visitor_id,
        )

        create_widget_token.additional_properties = d
        return create_widget_token

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
