from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.knowledge_scope_name import KnowledgeScopeName
from ..models.reply_mode_name import ReplyModeName
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.retrieval_patch import RetrievalPatch


T = TypeVar("T", bound="UpdateAssistant")


@_attrs_define
class UpdateAssistant:
    """Changes to an assistant; absent fields stay as they are, `description: null` and
    `greeting: null` clear them.
    A change that alters nothing creates no version.

        Attributes:
            default_tasks (list[str] | None | Unset):
            description (None | str | Unset):
            excluded_knowledge_ids (list[str] | None | Unset):
            fallback_message (None | str | Unset): `null` goes back to the standard text in the assistant's language.
            greeting (None | str | Unset): `null` removes the greeting.
            instructions (None | str | Unset):
            is_active (bool | None | Unset):
            knowledge_ids (list[str] | None | Unset):
            knowledge_scope (KnowledgeScopeName | None | Unset):
            language (None | str | Unset):
            name (None | str | Unset):
            reply_mode (None | ReplyModeName | Unset):
            retrieval (None | RetrievalPatch | Unset):
            tone (None | str | Unset):
    """

    default_tasks: list[str] | None | Unset = UNSET
    description: None | str | Unset = UNSET
    excluded_knowledge_ids: list[str] | None | Unset = UNSET
    fallback_message: None | str | Unset = UNSET
    greeting: None | str | Unset = UNSET
    instructions: None | str | Unset = UNSET
    is_active: bool | None | Unset = UNSET
    knowledge_ids: list[str] | None | Unset = UNSET
    knowledge_scope: KnowledgeScopeName | None | Unset = UNSET
    language: None | str | Unset = UNSET
    name: None | str | Unset = UNSET
    reply_mode: None | ReplyModeName | Unset = UNSET
    retrieval: None | RetrievalPatch | Unset = UNSET
    tone: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.retrieval_patch import RetrievalPatch

        default_tasks: list[str] | None | Unset
        if isinstance(self.default_tasks, Unset):
            default_tasks = UNSET
        elif isinstance(self.default_tasks, list):
            default_tasks = self.default_tasks

        else:
            default_tasks = self.default_tasks

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        excluded_knowledge_ids: list[str] | None | Unset
        if isinstance(self.excluded_knowledge_ids, Unset):
            excluded_knowledge_ids = UNSET
        elif isinstance(self.excluded_knowledge_ids, list):
            excluded_knowledge_ids = self.excluded_knowledge_ids

        else:
            excluded_knowledge_ids = self.excluded_knowledge_ids

        fallback_message: None | str | Unset
        if isinstance(self.fallback_message, Unset):
            fallback_message = UNSET
        else:
            fallback_message = self.fallback_message

        greeting: None | str | Unset
        if isinstance(self.greeting, Unset):
            greeting = UNSET
        else:
            greeting = self.greeting

        instructions: None | str | Unset
        if isinstance(self.instructions, Unset):
            instructions = UNSET
        else:
            instructions = self.instructions

        is_active: bool | None | Unset
        if isinstance(self.is_active, Unset):
            is_active = UNSET
        else:
            is_active = self.is_active

        knowledge_ids: list[str] | None | Unset
        if isinstance(self.knowledge_ids, Unset):
            knowledge_ids = UNSET
        elif isinstance(self.knowledge_ids, list):
            knowledge_ids = self.knowledge_ids

        else:
            knowledge_ids = self.knowledge_ids

        knowledge_scope: None | str | Unset
        if isinstance(self.knowledge_scope, Unset):
            knowledge_scope = UNSET
        elif isinstance(self.knowledge_scope, KnowledgeScopeName):
            knowledge_scope = self.knowledge_scope.value
        else:
            knowledge_scope = self.knowledge_scope

        language: None | str | Unset
        if isinstance(self.language, Unset):
            language = UNSET
        else:
            language = self.language

        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        reply_mode: None | str | Unset
        if isinstance(self.reply_mode, Unset):
            reply_mode = UNSET
        elif isinstance(self.reply_mode, ReplyModeName):
            reply_mode = self.reply_mode.value
        else:
            reply_mode = self.reply_mode

        retrieval: dict[str, Any] | None | Unset
        if isinstance(self.retrieval, Unset):
            retrieval = UNSET
        elif isinstance(self.retrieval, RetrievalPatch):
            retrieval = self.retrieval.to_dict()
        else:
            retrieval = self.retrieval

        tone: None | str | Unset
        if isinstance(self.tone, Unset):
            tone = UNSET
        else:
            tone = self.tone

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if default_tasks is not UNSET:
            field_dict["default_tasks"] = default_tasks
        if description is not UNSET:
            field_dict["description"] = description
        if excluded_knowledge_ids is not UNSET:
            field_dict["excluded_knowledge_ids"] = excluded_knowledge_ids
        if fallback_message is not UNSET:
            field_dict["fallback_message"] = fallback_message
        if greeting is not UNSET:
            field_dict["greeting"] = greeting
        if instructions is not UNSET:
            field_dict["instructions"] = instructions
        if is_active is not UNSET:
            field_dict["is_active"] = is_active
        if knowledge_ids is not UNSET:
            field_dict["knowledge_ids"] = knowledge_ids
        if knowledge_scope is not UNSET:
            field_dict["knowledge_scope"] = knowledge_scope
        if language is not UNSET:
            field_dict["language"] = language
        if name is not UNSET:
            field_dict["name"] = name
        if reply_mode is not UNSET:
            field_dict["reply_mode"] = reply_mode
        if retrieval is not UNSET:
            field_dict["retrieval"] = retrieval
        if tone is not UNSET:
            field_dict["tone"] = tone

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.retrieval_patch import RetrievalPatch

        d = dict(src_dict)

        def _parse_default_tasks(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                default_tasks_type_0 = cast(list[str], data)

                return default_tasks_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        default_tasks = _parse_default_tasks(d.pop("default_tasks", UNSET))

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        def _parse_excluded_knowledge_ids(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                excluded_knowledge_ids_type_0 = cast(list[str], data)

                return excluded_knowledge_ids_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        excluded_knowledge_ids = _parse_excluded_knowledge_ids(
            d.pop("excluded_knowledge_ids", UNSET)
        )

        def _parse_fallback_message(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        fallback_message = _parse_fallback_message(d.pop("fallback_message", UNSET))

        def _parse_greeting(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        greeting = _parse_greeting(d.pop("greeting", UNSET))

        def _parse_instructions(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        instructions = _parse_instructions(d.pop("instructions", UNSET))

        def _parse_is_active(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        is_active = _parse_is_active(d.pop("is_active", UNSET))

        def _parse_knowledge_ids(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                knowledge_ids_type_0 = cast(list[str], data)

                return knowledge_ids_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        knowledge_ids = _parse_knowledge_ids(d.pop("knowledge_ids", UNSET))

        def _parse_knowledge_scope(data: object) -> KnowledgeScopeName | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                knowledge_scope_type_1 = KnowledgeScopeName(data)

                return knowledge_scope_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(KnowledgeScopeName | None | Unset, data)

        knowledge_scope = _parse_knowledge_scope(d.pop("knowledge_scope", UNSET))

        def _parse_language(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        language = _parse_language(d.pop("language", UNSET))

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        def _parse_reply_mode(data: object) -> None | ReplyModeName | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                reply_mode_type_1 = ReplyModeName(data)

                return reply_mode_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | ReplyModeName | Unset, data)

        reply_mode = _parse_reply_mode(d.pop("reply_mode", UNSET))

        def _parse_retrieval(data: object) -> None | RetrievalPatch | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                retrieval_type_1 = RetrievalPatch.from_dict(data)

                return retrieval_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RetrievalPatch | Unset, data)

        retrieval = _parse_retrieval(d.pop("retrieval", UNSET))

        def _parse_tone(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        tone = _parse_tone(d.pop("tone", UNSET))

        update_assistant = cls(
            default_tasks=default_tasks,
            description=description,
            excluded_knowledge_ids=excluded_knowledge_ids,
            fallback_message=fallback_message,
            greeting=greeting,
            instructions=instructions,
            is_active=is_active,
            knowledge_ids=knowledge_ids,
            knowledge_scope=knowledge_scope,
            language=language,
            name=name,
            reply_mode=reply_mode,
            retrieval=retrieval,
            tone=tone,
        )

        update_assistant.additional_properties = d
        return update_assistant

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
