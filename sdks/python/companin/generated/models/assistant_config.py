from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.knowledge_scope_name import KnowledgeScopeName
from ..models.reply_mode_name import ReplyModeName
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.retrieval_settings import RetrievalSettings


T = TypeVar("T", bound="AssistantConfig")


@_attrs_define
class AssistantConfig:
    """An assistant's whole configuration, as every version holds it.

    Attributes:
        default_tasks (list[str]): Task templates the assistant offers.
        excluded_knowledge_ids (list[str]): Knowledge item ids never used.
        fallback_message (str): Said when nothing relevant is found, instead of an invented answer: the assistant's
            own text, else the standard one in its language (English, Spanish, Portuguese, French
            and German have one; other languages get English's).
        instructions (str): Free-text instructions added to every prompt.
        is_active (bool): An inactive assistant refuses new messages.
        knowledge_ids (list[str]): Knowledge item ids used when `knowledge_scope` is `selected`.
        knowledge_scope (KnowledgeScopeName): Which knowledge an assistant answers from.
        language (str): BCP-47 language tag, normalised (`en`, `pt-BR`).
        name (str):
        reply_mode (ReplyModeName): How an assistant answers.
        retrieval (RetrievalSettings): How many passages to retrieve and how relevant they must be.
        tone (str): e.g. `professional`, `friendly`, `concise`.
        description (None | str | Unset):
        greeting (None | str | Unset): Shown by the widget before the first question.
    """

    default_tasks: list[str]
    excluded_knowledge_ids: list[str]
    fallback_message: str
    instructions: str
    is_active: bool
    knowledge_ids: list[str]
    knowledge_scope: KnowledgeScopeName
    language: str
    name: str
    reply_mode: ReplyModeName
    retrieval: RetrievalSettings
    tone: str
    description: None | str | Unset = UNSET
    greeting: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        default_tasks = self.default_tasks

        excluded_knowledge_ids = self.excluded_knowledge_ids

        fallback_message = self.fallback_message

        instructions = self.instructions

        is_active = self.is_active

        knowledge_ids = self.knowledge_ids

        knowledge_scope = self.knowledge_scope.value

        language = self.language

        name = self.name

        reply_mode = self.reply_mode.value

        retrieval = self.retrieval.to_dict()

        tone = self.tone

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        greeting: None | str | Unset
        if isinstance(self.greeting, Unset):
            greeting = UNSET
        else:
            greeting = self.greeting

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "default_tasks": default_tasks,
                "excluded_knowledge_ids": excluded_knowledge_ids,
                "fallback_message": fallback_message,
                "instructions": instructions,
                "is_active": is_active,
                "knowledge_ids": knowledge_ids,
                "knowledge_scope": knowledge_scope,
                "language": language,
                "name": name,
                "reply_mode": reply_mode,
                "retrieval": retrieval,
                "tone": tone,
            }
        )
        if description is not UNSET:
            field_dict["description"] = description
        if greeting is not UNSET:
            field_dict["greeting"] = greeting

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.retrieval_settings import RetrievalSettings

        d = dict(src_dict)
        default_tasks = cast(list[str], d.pop("default_tasks"))

        excluded_knowledge_ids = cast(list[str], d.pop("excluded_knowledge_ids"))

        fallback_message = d.pop("fallback_message")

        instructions = d.pop("instructions")

        is_active = d.pop("is_active")

        knowledge_ids = cast(list[str], d.pop("knowledge_ids"))

        knowledge_scope = KnowledgeScopeName(d.pop("knowledge_scope"))

        language = d.pop("language")

        name = d.pop("name")

        reply_mode = ReplyModeName(d.pop("reply_mode"))

        retrieval = RetrievalSettings.from_dict(d.pop("retrieval"))

        tone = d.pop("tone")

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        def _parse_greeting(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        greeting = _parse_greeting(d.pop("greeting", UNSET))

        assistant_config = cls(
            default_tasks=default_tasks,
            excluded_knowledge_ids=excluded_knowledge_ids,
            fallback_message=fallback_message,
            instructions=instructions,
            is_active=is_active,
            knowledge_ids=knowledge_ids,
            knowledge_scope=knowledge_scope,
            language=language,
            name=name,
            reply_mode=reply_mode,
            retrieval=retrieval,
            tone=tone,
            description=description,
            greeting=greeting,
        )

        assistant_config.additional_properties = d
        return assistant_config

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
