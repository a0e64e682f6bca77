from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="DoneEvent")


@_attrs_define
class DoneEvent:
    """`event: done` — the reply is whole and stored.

    Attributes:
        answered (bool):
        assistant_version (int):
        conversation_id (str):
        created_at (datetime.datetime):
        message_id (str):
        user_message_id (str):
    """

    answered: bool
    assistant_version: int
    conversation_id: str
    created_at: datetime.datetime
    message_id: str
    user_message_id: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        answered = self.answered

        assistant_version = self.assistant_version

        conversation_id = self.conversation_id

        created_at = self.created_at.isoformat()

        message_id = self.message_id

        user_message_id = self.user_message_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "answered": answered,
                "assistant_version": assistant_version,
                "conversation_id": conversation_id,
                "created_at": created_at,
                "message_id": message_id,
                "user_message_id": user_message_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        answered = d.pop("answered")

        assistant_version = d.pop("assistant_version")

        conversation_id = d.pop("conversation_id")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        message_id = d.pop("message_id")

        user_message_id = d.pop("user_message_id")

        done_event = cls(
            answered=answered,
            assistant_version=assistant_version,
            conversation_id=conversation_id,
            created_at=created_at,
            message_id=message_id,
            user_message_id=user_message_id,
        )

        done_event.additional_properties = d
        return done_event

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
