from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.create_session_metadata_type_0 import CreateSessionMetadataType0


T = TypeVar("T", bound="CreateSession")


@_attrs_define
class CreateSession:
    """A new session.

    Attributes:
        assistant_id (str): An active assistant of the organization's environment.
        expires_in (int | None | Unset): Lifetime in seconds, from 1 to the configured maximum (30 days by default); the
            configured default (24 hours) when absent.
        locale (None | str | Unset): BCP-47 tag, e.g. `es-MX`.
        metadata (CreateSessionMetadataType0 | None | Unset): The customer's own fields (at most 100 keys, 16 KiB of
            JSON).
        user_id (None | str | Unset): The customer's own user id; without it the session is anonymous.
        visitor_id (None | str | Unset): The browser or device; generated (`vis_...`) when absent.
    """

    assistant_id: str
    expires_in: int | None | Unset = UNSET
    locale: None | str | Unset = UNSET
    metadata: CreateSessionMetadataType0 | None | Unset = UNSET
    user_id: None | str | Unset = UNSET
    visitor_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.create_session_metadata_type_0 import CreateSessionMetadataType0

        assistant_id = self.assistant_id

        expires_in: int | None | Unset
        if isinstance(self.expires_in, Unset):
            expires_in = UNSET
        else:
            expires_in = self.expires_in

        locale: None | str | Unset
        if isinstance(self.locale, Unset):
            locale = UNSET
        else:
            locale = self.locale

        metadata: dict[str, Any] | None | Unset
        if isinstance(self.metadata, Unset):
            metadata = UNSET
        elif isinstance(self.metadata, CreateSessionMetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

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
        field_dict.update(
            {
                "assistant_id": assistant_id,
            }
        )
        if expires_in is not UNSET:
            field_dict["expires_in"] = expires_in
        if locale is not UNSET:
            field_dict["locale"] = locale
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if user_id is not UNSET:
            field_dict["user_id"] = user_id
        if visitor_id is not UNSET:
            field_dict["visitor_id"] = visitor_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.create_session_metadata_type_0 import CreateSessionMetadataType0

        d = dict(src_dict)
        assistant_id = d.pop("assistant_id")

        def _parse_expires_in(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        expires_in = _parse_expires_in(d.pop("expires_in", UNSET))

        def _parse_locale(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        locale = _parse_locale(d.pop("locale", UNSET))

        def _parse_metadata(data: object) -> CreateSessionMetadataType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = CreateSessionMetadataType0.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CreateSessionMetadataType0 | None | Unset, data)

        metadata = _parse_metadata(d.pop("metadata", UNSET))

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

        create_session = cls(
            assistant_id=assistant_id,
            expires_in=expires_in,
            locale=locale,
            metadata=metadata,
            user_id=user_id,
            visitor_id=visitor_id,
        )

        create_session.additional_properties = d
        return create_session

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
