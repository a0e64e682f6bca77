from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.session_status import SessionStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.session_metadata import SessionMetadata


T = TypeVar("T", bound="Session")


@_attrs_define
class Session:
    """A visitor's conversation window with one assistant.

    Attributes:
        assistant_id (str):
        created_at (datetime.datetime):
        expires_at (datetime.datetime):
        id (str):
        is_anonymous (bool): `true` when the session has no `user_id`.
        last_activity_at (datetime.datetime):
        metadata (SessionMetadata):
        status (SessionStatus): Where a session stands.
        updated_at (datetime.datetime):
        visitor_id (str):
        ended_at (datetime.datetime | None | Unset):
        locale (None | str | Unset):
        user_id (None | str | Unset):
    """

    assistant_id: str
    created_at: datetime.datetime
    expires_at: datetime.datetime
    id: str
    is_anonymous: bool
    last_activity_at: datetime.datetime
    metadata: SessionMetadata
    status: SessionStatus
    updated_at: datetime.datetime
    visitor_id: str
    ended_at: datetime.datetime | None | Unset = UNSET
    locale: None | str | Unset = UNSET
    user_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        assistant_id = self.assistant_id

        created_at = self.created_at.isoformat()

        expires_at = self.expires_at.isoformat()

        id = self.id

        is_anonymous = self.is_anonymous

        last_activity_at = self.last_activity_at.isoformat()

        metadata = self.metadata.to_dict()

        status = self.status.value

        updated_at = self.updated_at.isoformat()

        visitor_id = self.visitor_id

        ended_at: None | str | Unset
        if isinstance(self.ended_at, Unset):
            ended_at = UNSET
        elif isinstance(self.ended_at, datetime.datetime):
            ended_at = self.ended_at.isoformat()
        else:
            ended_at = self.ended_at

        locale: None | str | Unset
        if isinstance(self.locale, Unset):
            locale = UNSET
        else:
            locale = self.locale

        user_id: None | str | Unset
        if isinstance(self.user_id, Unset):
            user_id = UNSET
        else:
            user_id = self.user_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "assistant_id": assistant_id,
                "created_at": created_at,
                "expires_at": expires_at,
                "id": id,
                "is_anonymous": is_anonymous,
                "last_activity_at": last_activity_at,
                "metadata": metadata,
                "status": status,
                "updated_at": updated_at,
                "visitor_id": visitor_id,
            }
        )
        if ended_at is not UNSET:
            field_dict["ended_at"] = ended_at
        if locale is not UNSET:
            field_dict["locale"] = locale
        if user_id is not UNSET:
            field_dict["user_id"] = user_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.session_metadata import SessionMetadata

        d = dict(src_dict)
        assistant_id = d.pop("assistant_id")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        id = d.pop("id")

        is_anonymous = d.pop("is_anonymous")

        last_activity_at = datetime.datetime.fromisoformat(d.pop("last_activity_at"))

        metadata = SessionMetadata.from_dict(d.pop("metadata"))

        status = SessionStatus(d.pop("status"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        visitor_id = d.pop("visitor_id")

        def _parse_ended_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                ended_at_type_0 = datetime.datetime.fromisoformat(data)

                return ended_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        ended_at = _parse_ended_at(d.pop("ended_at", UNSET))

        def _parse_locale(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        locale = _parse_locale(d.pop("locale", UNSET))

        def _parse_user_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        user_id = _parse_user_id(d.pop("user_id", UNSET))

        session = cls(
            assistant_id=assistant_id,
            created_at=created_at,
            expires_at=expires_at,
            id=id,
            is_anonymous=is_anonymous,
            last_activity_at=last_activity_at,
            metadata=metadata,
            status=status,
            updated_at=updated_at,
            visitor_id=visitor_id,
            ended_at=ended_at,
            locale=locale,
            user_id=user_id,
        )

        session.additional_properties = d
        return session

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
