from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.environment_name import EnvironmentName

T = TypeVar("T", bound="Client")


@_attrs_define
class Client:
    """An OAuth application of the organization. The secret is never shown again after creation
    or rotation.

        Attributes:
            allowed_origins (list[str]): Exact origins (`scheme://host[:port]`) allowed to use the browser widget.
            client_id (str): The public key, sent as `X-API-Key` (equal to `id`).
            created_at (datetime.datetime):
            environment (EnvironmentName): `production` or `sandbox`.
            id (str):
            is_active (bool):
            name (str):
            updated_at (datetime.datetime):
    """

    allowed_origins: list[str]
    client_id: str
    created_at: datetime.datetime
    environment: EnvironmentName
    id: str
    is_active: bool
    name: str
    updated_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        allowed_origins = self.allowed_origins

        client_id = self.client_id

        created_at = self.created_at.isoformat()

        environment = self.environment.value

        id = self.id

        is_active = self.is_active

        name = self.name

        updated_at = self.updated_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "allowed_origins": allowed_origins,
                "client_id": client_id,
                "created_at": created_at,
                "environment": environment,
                "id": id,
                "is_active": is_active,
                "name": name,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        allowed_origins = cast(list[str], d.pop("allowed_origins"))

        client_id = d.pop("client_id")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        environment = EnvironmentName(d.pop("environment"))

        id = d.pop("id")

        is_active = d.pop("is_active")

        name = d.pop("name")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        client = cls(
            allowed_origins=allowed_origins,
            client_id=client_id,
            created_at=created_at,
            environment=environment,
            id=id,
            is_active=is_active,
            name=name,
            updated_at=updated_at,
        )

        client.additional_properties = d
        return client

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
