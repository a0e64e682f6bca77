from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.message_source import MessageSource
    from ..models.reply_message import ReplyMessage


T = TypeVar("T", bound="MessageReply")


@_attrs_define
class MessageReply:
    """The reply to a message.

    Attributes:
        answered (bool): `false` when nothing relevant was found and the reply is the fallback message.
        assistant_version (int): The assistant version that answered.
        conversation_id (str):
        message (ReplyMessage): The assistant's reply as `send-message` returns it.
        sources (list[MessageSource]): The passages the reply used (empty for the fallback).
        user_message_id (str): The stored id of the visitor's message.
    """

    answered: bool
    assistant_version: int
    conversation_id: str
    message: ReplyMessage
    sources: list[MessageSource]
    user_message_id: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        answered = self.answered

        assistant_version = self.assistant_version

        conversation_id = self.conversation_id

        message = self.message.to_dict()

        sources = []
        for sources_item_data in self.sources:
            sources_item = sources_item_data.to_dict()
            sources.append(sources_item)

        user_message_id = self.user_message_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "answered": answered,
                "assistant_version": assistant_version,
                "conversation_id": conversation_id,
                "message": message,
                "sources": sources,
                "user_message_id": user_message_id,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.message_source import MessageSource
        from ..models.reply_message import ReplyMessage

        d = dict(src_dict)
        answered = d.pop("answered")

        assistant_version = d.pop("assistant_version")

        conversation_id = d.pop("conversation_id")

        message = ReplyMessage.from_dict(d.pop("message"))

        sources = []
        _sources = d.pop("sources")
        for sources_item_data in _sources:
            sources_item = MessageSource.from_dict(sources_item_data)

            sources.append(sources_item)

        user_message_id = d.pop("user_message_id")

        message_reply = cls(
            answered=answered,
            assistant_version=assistant_version,
            conversation_id=conversation_id,
            message=message,
            sources=sources,
            user_message_id=user_message_id,
        )

        message_reply.additional_properties = d
        return message_reply

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
