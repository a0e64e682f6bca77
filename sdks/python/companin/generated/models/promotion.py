from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.assistant import Assistant
    from ..models.promoted_knowledge import PromotedKnowledge


T = TypeVar("T", bound="Promotion")


@_attrs_define
class Promotion:
    """A sandbox assistant's configuration copied to production.

    Attributes:
        assistant (Assistant): An assistant persona.
        id (str):
        include_knowledge (bool):
        knowledge (list[PromotedKnowledge]): The items copied (with `include_knowledge`).
        production_version (int): The production assistant's version this promotion made.
        promoted_at (datetime.datetime): When the promotion finished.
        source_assistant_id (str): The sandbox assistant, and the version of it that was promoted.
        source_version (int):
        unmapped_knowledge_ids (list[str]): Sandbox items the configuration named (selected or linked) that production
            has no item
            with the same content for: the production assistant does not name them.
    """

    assistant: Assistant
    id: str
    include_knowledge: bool
    knowledge: list[PromotedKnowledge]
    production_version: int
    promoted_at: datetime.datetime
    source_assistant_id: str
    source_version: int
    unmapped_knowledge_ids: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        assistant = self.assistant.to_dict()

        id = self.id

        include_knowledge = self.include_knowledge

        knowledge = []
        for knowledge_item_data in self.knowledge:
            knowledge_item = knowledge_item_data.to_dict()
            knowledge.append(knowledge_item)

        production_version = self.production_version

        promoted_at = self.promoted_at.isoformat()

        source_assistant_id = self.source_assistant_id

        source_version = self.source_version

        unmapped_knowledge_ids = self.unmapped_knowledge_ids

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "assistant": assistant,
                "id": id,
                "include_knowledge": include_knowledge,
                "knowledge": knowledge,
                "production_version": production_version,
                "promoted_at": promoted_at,
                "source_assistant_id": source_assistant_id,
                "source_version": source_version,
                "unmapped_knowledge_ids": unmapped_knowledge_ids,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.assistant import Assistant
        from ..models.promoted_knowledge import PromotedKnowledge

        d = dict(src_dict)
        assistant = Assistant.from_dict(d.pop("assistant"))

        id = d.pop("id")

        include_knowledge = d.pop("include_knowledge")

        knowledge = []
        _knowledge = d.pop("knowledge")
        for knowledge_item_data in _knowledge:
            knowledge_item = PromotedKnowledge.from_dict(knowledge_item_data)

            knowledge.append(knowledge_item)

        production_version = d.pop("production_version")

        promoted_at = datetime.datetime.fromisoformat(d.pop("promoted_at"))

        source_assistant_id = d.pop("source_assistant_id")

        source_version = d.pop("source_version")

        unmapped_knowledge_ids = cast(list[str], d.pop("unmapped_knowledge_ids"))

        promotion = cls(
            assistant=assistant,
            id=id,
            include_knowledge=include_knowledge,
            knowledge=knowledge,
            production_version=production_version,
            promoted_at=promoted_at,
            source_assistant_id=source_assistant_id,
            source_version=source_version,
            unmapped_knowledge_ids=unmapped_knowledge_ids,
        )

        promotion.additional_properties = d
        return promotion

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
