from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.assistant_conversation_stats import AssistantConversationStats
    from ..models.conversation_stats import ConversationStats


T = TypeVar("T", bound="ConversationReport")


@_attrs_define
class ConversationReport:
    """Conversations that started in `[from, to)`: totals, and per assistant (most conversations
    first).

        Attributes:
            assistants (list[AssistantConversationStats]):
            from_ (datetime.datetime):
            to (datetime.datetime):
            totals (ConversationStats): Figures of the conversations that started in the range.
    """

    assistants: list[AssistantConversationStats]
    from_: datetime.datetime
    to: datetime.datetime
    totals: ConversationStats
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        assistants = []
        for assistants_item_data in self.assistants:
            assistants_item = assistants_item_data.to_dict()
            assistants.append(assistants_item)

        from_ = self.from_.isoformat()

        to = self.to.isoformat()

        totals = self.totals.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "assistants": assistants,
                "from": from_,
                "to": to,
                "totals": totals,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.assistant_conversation_stats import AssistantConversationStats
        from ..models.conversation_stats import ConversationStats

        d = dict(src_dict)
        assistants = []
        _assistants = d.pop("assistants")
        for assistants_item_data in _assistants:
            assistants_item = AssistantConversationStats.from_dict(assistants_item_data)

            assistants.append(assistants_item)

        from_ = datetime.datetime.fromisoformat(d.pop("from"))

        to = datetime.datetime.fromisoformat(d.pop("to"))

        totals = ConversationStats.from_dict(d.pop("totals"))

        conversation_report = cls(
            assistants=assistants,
            from_=from_,
            to=to,
            totals=totals,
        )

        conversation_report.additional_properties = d
        return conversation_report

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
