from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.conversation_detail_context import ConversationDetailContext
    from ..models.feedback import Feedback
    from ..models.message import Message


T = TypeVar("T", bound="ConversationDetail")


@_attrs_define
class ConversationDetail:
    """A conversation with its messages and the feedback given on it, oldest first.

    Attributes:
        assistant_id (str):
        context (ConversationDetailContext): The visitor's context traits as of the last message.
        created_at (datetime.datetime):
        feedback (list[Feedback]): Ratings of the conversation or of its replies (`message_id`).
        id (str):
        last_message_at (datetime.datetime):
        message_count (int):
        messages (list[Message]):
        session_id (str):
        updated_at (datetime.datetime):
        visitor_id (str):
        user_id (None | str | Unset):
    """

    assistant_id: str
    context: ConversationDetailContext
    created_at: datetime.datetime
    feedback: list[Feedback]
    id: str
    last_message_at: datetime.datetime
    message_count: int
    messages: list[Message]
    session_id: str
    updated_at: datetime.datetime
    visitor_id: str
    user_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        assistant_id = self.assistant_id

        context = self.context.to_dict()

        created_at = self.created_at.isoformat()

        feedback = []
        for feedback_item_data in self.feedback:
            feedback_item = feedback_item_data.to_dict()
            feedback.append(feedback_item)

        id = self.id

        last_message_at = self.last_message_at.isoformat()

        message_count = self.message_count

        messages = []
        for messages_item_data in self.messages:
            messages_item = messages_item_data.to_dict()
            messages.append(messages_item)

        session_id = self.session_id

        updated_at = self.updated_at.isoformat()

        visitor_id = self.visitor_id

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
                "context": context,
                "created_at": created_at,
                "feedback": feedback,
                "id": id,
                "last_message_at": last_message_at,
                "message_count": message_count,
                "messages": messages,
                "session_id": session_id,
                "updated_at": updated_at,
                "visitor_id": visitor_id,
            }
        )
        if user_id is not UNSET:
            field_dict["user_id"] = user_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.conversation_detail_context import ConversationDetailContext
        from ..models.feedback import Feedback
        from ..models.message import Message

        d = dict(src_dict)
        assistant_id = d.pop("assistant_id")

        context = ConversationDetailContext.from_dict(d.pop("context"))

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        feedback = []
        _feedback = d.pop("feedback")
        for feedback_item_data in _feedback:
            feedback_item = Feedback.from_dict(feedback_item_data)

            feedback.append(feedback_item)

        id = d.pop("id")

        last_message_at = datetime.datetime.fromisoformat(d.pop("last_message_at"))

        message_count = d.pop("message_count")

        messages = []
        _messages = d.pop("messages")
        for messages_item_data in _messages:
            messages_item = Message.from_dict(messages_item_data)

            messages.append(messages_item)

        session_id = d.pop("session_id")

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        visitor_id = d.pop("visitor_id")

        def _parse_user_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        user_id = _parse_user_id(d.pop("user_id", UNSET))

        conversation_detail = cls(
            assistant_id=assistant_id,
            context=context,
            created_at=created_at,
            feedback=feedback,
            id=id,
            last_message_at=last_message_at,
            message_count=message_count,
            messages=messages,
            session_id=session_id,
            updated_at=updated_at,
            visitor_id=visitor_id,
            user_id=user_id,
        )

        conversation_detail.additional_properties = d
        return conversation_detail

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
