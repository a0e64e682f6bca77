from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.message_role import MessageRole
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.message_source import MessageSource


T = TypeVar("T", bound="Message")


@_attrs_define
class Message:
    """A stored message.

    Attributes:
        content (str):
        conversation_id (str):
        created_at (datetime.datetime):
        id (str):
        role (MessageRole): Who wrote a message.
        sources (list[MessageSource]): For replies: the passages used.
        answered (bool | None | Unset): For replies: `false` for the fallback message.
        assistant_version (int | None | Unset): For replies: the assistant version that answered.
        first_token_ms (int | None | Unset): For replies: milliseconds from the question to the reply's first text.
        latency_ms (int | None | Unset): For replies: milliseconds from the question to the whole reply.
        reply_kind (None | str | Unset): For replies: `qa`, `extractive`, `local`, `openai` or `fallback`.
    """

    content: str
    conversation_id: str
    created_at: datetime.datetime
    id: str
    role: MessageRole
    sources: list[MessageSource]
    answered: bool | None | Unset = UNSET
    assistant_version: int | None | Unset = UNSET
    first_token_ms: int | None | Unset = UNSET
    latency_ms: int | None | Unset = UNSET
    reply_kind: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        content = self.content

        conversation_id = self.conversation_id

        created_at = self.created_at.isoformat()

        id = self.id

        role = self.role.value

        sources = []
        for sources_item_data in self.sources:
            sources_item = sources_item_data.to_dict()
            sources.append(sources_item)

        answered: bool | None | Unset
        if isinstance(self.answered, Unset):
            answered = UNSET
        else:
            answered = self.answered

        assistant_version: int | None | Unset
        if isinstance(self.assistant_version, Unset):
            assistant_version = UNSET
        else:
            assistant_version = self.assistant_version

        first_token_ms: int | None | Unset
        if isinstance(self.first_token_ms, Unset):
            first_token_ms = UNSET
        else:
            first_token_ms = self.first_token_ms

        latency_ms: int | None | Unset
        if isinstance(self.latency_ms, Unset):
            latency_ms = UNSET
        else:
            latency_ms = self.latency_ms

        reply_kind: None | str | Unset
        if isinstance(self.reply_kind, Unset):
            reply_kind = UNSET
        else:
            reply_kind = self.reply_kind

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "content": content,
                "conversation_id": conversation_id,
                "created_at": created_at,
                "id": id,
                "role": role,
                "sources": sources,
            }
        )
        if answered is not UNSET:
            field_dict["answered"] = answered
        if assistant_version is not UNSET:
            field_dict["assistant_version"] = assistant_version
        if first_token_ms is not UNSET:
            field_dict["first_token_ms"] = first_token_ms
        if latency_ms is not UNSET:
            field_dict["latency_ms"] = latency_ms
        if reply_kind is not UNSET:
            field_dict["reply_kind"] = reply_kind

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.message_source import MessageSource

        d = dict(src_dict)
        content = d.pop("content")

        conversation_id = d.pop("conversation_id")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        id = d.pop("id")

        role = MessageRole(d.pop("role"))

        sources = []
        _sources = d.pop("sources")
        for sources_item_data in _sources:
            sources_item = MessageSource.from_dict(sources_item_data)

            sources.append(sources_item)

        def _parse_answered(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        answered = _parse_answered(d.pop("answered", UNSET))

        def _parse_assistant_version(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        assistant_version = _parse_assistant_version(d.pop("assistant_version", UNSET))

        def _parse_first_token_ms(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        first_token_ms = _parse_first_token_ms(d.pop("first_token_ms", UNSET))

        def _parse_latency_ms(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        latency_ms = _parse_latency_ms(d.pop("latency_ms", UNSET))

        def _parse_reply_kind(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        reply_kind = _parse_reply_kind(d.pop("reply_kind", UNSET))

        message = cls(
            content=content,
            conversation_id=conversation_id,
            created_at=created_at,
            id=id,
            role=role,
            sources=sources,
            answered=answered,
            assistant_version=assistant_version,
            first_token_ms=first_token_ms,
            latency_ms=latency_ms,
            reply_kind=reply_kind,
        )

        message.additional_properties = d
        return message

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
