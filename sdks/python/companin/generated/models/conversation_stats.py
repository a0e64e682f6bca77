from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.satisfaction import Satisfaction


T = TypeVar("T", bound="ConversationStats")


@_attrs_define
class ConversationStats:
    """Figures of the conversations that started in the range.

    Attributes:
        avg_duration_seconds (float): From first to last message.
        avg_messages_per_conversation (float):
        conversations (int):
        feedback_rate (float): Share of conversations with at least one feedback.
        messages (int): Messages of both roles.
        p50_duration_seconds (float): Nearest-rank median duration.
        replies (int): Assistant replies.
        satisfaction (Satisfaction): Ratings given in feedback.
        unanswered (int): Replies that were the fallback message (nothing relevant was found).
        unanswered_rate (float): `unanswered / replies`.
    """

    avg_duration_seconds: float
    avg_messages_per_conversation: float
    conversations: int
    feedback_rate: float
    messages: int
    p50_duration_seconds: float
    replies: int
    satisfaction: Satisfaction
    unanswered: int
    unanswered_rate: float
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        avg_duration_seconds = self.avg_duration_seconds

        avg_messages_per_conversation = self.avg_messages_per_conversation

        conversations = self.conversations

        feedback_rate = self.feedback_rate

        messages = self.messages

        p50_duration_seconds = self.p50_duration_seconds

        replies = self.replies

        satisfaction = self.satisfaction.to_dict()

        unanswered = self.unanswered

        unanswered_rate = self.unanswered_rate

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "avg_duration_seconds": avg_duration_seconds,
                "avg_messages_per_conversation": avg_messages_per_conversation,
                "conversations": conversations,
                "feedback_rate": feedback_rate,
                "messages": messages,
                "p50_duration_seconds": p50_duration_seconds,
                "replies": replies,
                "satisfaction": satisfaction,
                "unanswered": unanswered,
                "unanswered_rate": unanswered_rate,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.satisfaction import Satisfaction

        d = dict(src_dict)
        avg_duration_seconds = d.pop("avg_duration_seconds")

        avg_messages_per_conversation = d.pop("avg_messages_per_conversation")

        conversations = d.pop("conversations")

        feedback_rate = d.pop("feedback_rate")

        messages = d.pop("messages")

        p50_duration_seconds = d.pop("p50_duration_seconds")

        replies = d.pop("replies")

        satisfaction = Satisfaction.from_dict(d.pop("satisfaction"))

        unanswered = d.pop("unanswered")

        unanswered_rate = d.pop("unanswered_rate")

        conversation_stats = cls(
            avg_duration_seconds=avg_duration_seconds,
            avg_messages_per_conversation=avg_messages_per_conversation,
            conversations=conversations,
            feedback_rate=feedback_rate,
            messages=messages,
            p50_duration_seconds=p50_duration_seconds,
            replies=replies,
            satisfaction=satisfaction,
            unanswered=unanswered,
            unanswered_rate=unanswered_rate,
        )

        conversation_stats.additional_properties = d
        return conversation_stats

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
