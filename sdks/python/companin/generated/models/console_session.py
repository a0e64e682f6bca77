from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.environment_name import EnvironmentName

if TYPE_CHECKING:
    from ..models.member import Member


T = TypeVar("T", bound="ConsoleSession")


@_attrs_define
class ConsoleSession:
    """The signed-in member's console session. The session itself is the `HttpOnly` cookie
    `companin_session`; page scripts never see it.

        Attributes:
            csrf_token (str): Send it as `X-CSRF-Token` with every write made with the session cookie.
            environment (EnvironmentName): `production` or `sandbox`.
            expires_at (datetime.datetime):
            member (Member): A person of the organization's team.
            org_id (str):
    """

    csrf_token: str
    environment: EnvironmentName
    expires_at: datetime.datetime
    member: Member
    org_id: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        csrf_token = self.csrf_token

        environment = self.environment.value

        expires_at = self.expires_at.isoformat()

        member = self.member.to_dict()

        org_id = self.org_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "csrf_token": csrf_token,
                "environment": environment,
                "expires_at": expires_at,
                "member": member,
                "org_id": org_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.member import Member

        d = dict(src_dict)
        csrf_token = d.pop("csrf_token")

        environment = EnvironmentName(d.pop("environment"))

        expires_at = datetime.datetime.fromisoformat(d.pop("expires_at"))

        member = Member.from_dict(d.pop("member"))

        org_id = d.pop("org_id")

        console_session = cls(
            csrf_token=csrf_token,
            environment=environment,
            expires_at=expires_at,
            member=member,
            org_id=org_id,
        )

        console_session.additional_properties = d
        return console_session

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
