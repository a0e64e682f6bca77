from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.member import Member


T = TypeVar("T", bound="MemberInvitation")


@_attrs_define
class MemberInvitation:
    """An invitation just made: its token is shown only now.

    Attributes:
        invitation_expires_at (datetime.datetime):
        invitation_path (str): The console page that accepts it, relative to this server (the token travels in the
            fragment, never sent to a server).
        invitation_token (str): The one-time token; `POST /auth/accept-invitation` with it sets the password.
        member (Member): A person of the organization's team.
    """

    invitation_expires_at: datetime.datetime
    invitation_path: str
    invitation_token: str
    member: Member
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        invitation_expires_at = self.invitation_expires_at.isoformat()

        invitation_path = self.invitation_path

        invitation_token = self.invitation_token

        member = self.member.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "invitation_expires_at": invitation_expires_at,
                "invitation_path": invitation_path,
                "invitation_token": invitation_token,
                "member": member,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.member import Member

        d = dict(src_dict)
        invitation_expires_at = datetime.datetime.fromisoformat(
            d.pop("invitation_expires_at")
        )

        invitation_path = d.pop("invitation_path")

        invitation_token = d.pop("invitation_token")

        member = Member.from_dict(d.pop("member"))

        member_invitation = cls(
            invitation_expires_at=invitation_expires_at,
            invitation_path=invitation_path,
            invitation_token=invitation_token,
            member=member,
        )

        member_invitation.additional_properties = d
        return member_invitation

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
