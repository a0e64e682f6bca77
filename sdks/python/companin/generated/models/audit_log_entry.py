from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.actor import Actor


T = TypeVar("T", bound="AuditLogEntry")


@_attrs_define
class AuditLogEntry:
    """One change to a resource.

    Attributes:
        action (str): `<resource>.<verb>`, e.g. `client.created`, `client.secret_rotated`.
        actor (Actor): Who made a change.
        id (str):
        resource_id (str):
        resource_type (str):
        time (datetime.datetime):
        changes (Any | Unset): Changed fields as `{"field": {"from": .., "to": ..}}`; secrets never appear.
        request_id (None | str | Unset):
    """

    action: str
    actor: Actor
    id: str
    resource_id: str
    resource_type: str
    time: datetime.datetime
    changes: Any | Unset = UNSET
    request_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        action = self.action

        actor = self.actor.to_dict()

        id = self.id

        resource_id = self.resource_id

        resource_type = self.resource_type

        time = self.time.isoformat()

        changes = self.changes

        request_id: None | str | Unset
        if isinstance(self.request_id, Unset):
            request_id = UNSET
        else:
            request_id = self.request_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "action": action,
                "actor": actor,
                "id": id,
                "resource_id": resource_id,
                "resource_type": resource_type,
                "time": time,
            }
        )
        if changes is not UNSET:
            field_dict["changes"] = changes
        if request_id is not UNSET:
            field_dict["request_id"] = request_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.actor import Actor

        d = dict(src_dict)
        action = d.pop("action")

        actor = Actor.from_dict(d.pop("actor"))

        id = d.pop("id")

        resource_id = d.pop("resource_id")

        resource_type = d.pop("resource_type")

        time = datetime.datetime.fromisoformat(d.pop("time"))

        changes = d.pop("changes", UNSET)

        def _parse_request_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        request_id = _parse_request_id(d.pop("request_id", UNSET))

        audit_log_entry = cls(
            action=action,
            actor=actor,
            id=id,
            resource_id=resource_id,
            resource_type=resource_type,
            time=time,
            changes=changes,
            request_id=request_id,
        )

        audit_log_entry.additional_properties = d
        return audit_log_entry

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
