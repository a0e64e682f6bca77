from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.member_status import MemberStatus
from ..models.role import Role
from ..types import UNSET, Unset

T = TypeVar("T", bound="Member")


@_attrs_define
class Member:
    """A person of the organization's team.

    Attributes:
        created_at (datetime.datetime):
        email (str):
        id (str):
        role (Role): What a member may do: `viewer` reads; `editor` also changes assistants, knowledge,
            sessions and conversations; `admin` everything but members; `owner` everything.
        status (MemberStatus): Whether a member has set a password yet.
        updated_at (datetime.datetime):
        invitation_expires_at (datetime.datetime | None | Unset): When an unused invitation stops working.
    """

    created_at: datetime.datetime
    email: str
    id: str
    role: Role
    status: MemberStatus
    updated_at: datetime.datetime
    invitation_expires_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        created_at = self.created_at.isoformat()

        email = self.email

        id = self.id

        role = self.role.value

        status = self.status.value

        updated_at = self.updated_at.isoformat()

        invitation_expires_at: None | str | Unset
        if isinstance(self.invitation_expires_at, Unset):
            invitation_expires_at = UNSET
        elif isinstance(self.invitation_expires_at, datetime.datetime):
            invitation_expires_at = self.invitation_expires_at.isoformat()
        else:
            invitation_expires_at = self.invitation_expires_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "created_at": created_at,
                "email": email,
                "id": id,
                "role": role,
                "status": status,
                "updated_at": updated_at,
            }
        )
        if invitation_expires_at is not UNSET:
            field_dict["invitation_expires_at"] = invitation_expires_at

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        email = d.pop("email")

        id = d.pop("id")

        role = Role(d.pop("role"))

        status = MemberStatus(d.pop("status"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_invitation_expires_at(
            data: object,
        ) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                invitation_expires_at_type_0 = datetime.datetime.fromisoformat(data)

                return invitation_expires_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        invitation_expires_at = _parse_invitation_expires_at(
            d.pop("invitation_expires_at", UNSET)
        )

        member = cls(
            created_at=created_at,
            email=email,
            id=id,
            role=role,
            status=status,
            updated_at=updated_at,
            invitation_expires_at=invitation_expires_at,
        )

        member.additional_properties = d
        return member

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
