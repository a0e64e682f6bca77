from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.create_qa_metadata_type_0 import CreateQaMetadataType0


T = TypeVar("T", bound="CreateQa")


@_attrs_define
class CreateQa:
    """`POST /knowledge/qas/`.

    Attributes:
        answer (str):
        question (str):
        alternate_questions (list[str] | None | Unset):
        assistant_ids (list[str] | None | Unset):
        language (None | str | Unset): The language it is written in (BCP-47; its primary subtag is stored: `es` for
            `es-MX`): how its words are stemmed for search. Detected when absent.
        metadata (CreateQaMetadataType0 | None | Unset):
        tags (list[str] | None | Unset):
        title (None | str | Unset): Defaults to the question.
    """

    answer: str
    question: str
    alternate_questions: list[str] | None | Unset = UNSET
    assistant_ids: list[str] | None | Unset = UNSET
    language: None | str | Unset = UNSET
    metadata: CreateQaMetadataType0 | None | Unset = UNSET
    tags: list[str] | None | Unset = UNSET
    title: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.create_qa_metadata_type_0 import CreateQaMetadataType0

        answer = self.answer

        question = self.question

        alternate_questions: list[str] | None | Unset
        if isinstance(self.alternate_questions, Unset):
            alternate_questions = UNSET
        elif isinstance(self.alternate_questions, list):
            alternate_questions = self.alternate_questions

        else:
            alternate_questions = self.alternate_questions

        assistant_ids: list[str] | None | Unset
        if isinstance(self.assistant_ids, Unset):
            assistant_ids = UNSET
        elif isinstance(self.assistant_ids, list):
            assistant_ids = self.assistant_ids

        else:
            assistant_ids = self.assistant_ids

        language: None | str | Unset
        if isinstance(self.language, Unset):
            language = UNSET
        else:
            language = self.language

        metadata: dict[str, Any] | None | Unset
        if isinstance(self.metadata, Unset):
            metadata = UNSET
        elif isinstance(self.metadata, CreateQaMetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        tags: list[str] | None | Unset
        if isinstance(self.tags, Unset):
            tags = UNSET
        elif isinstance(self.tags, list):
            tags = self.tags

        else:
            tags = self.tags

        title: None | str | Unset
        if isinstance(self.title, Unset):
            title = UNSET
        else:
            title = self.title

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "answer": answer,
                "question": question,
            }
        )
        if alternate_questions is not UNSET:
            field_dict["alternate_questions"] = alternate_questions
        if assistant_ids is not UNSET:
            field_dict["assistant_ids"] = assistant_ids
        if language is not UNSET:
            field_dict["language"] = language
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if tags is not UNSET:
            field_dict["tags"] = tags
        if title is not UNSET:
            field_dict["title"] = title

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.create_qa_metadata_type_0 import CreateQaMetadataType0

        d = dict(src_dict)
        answer = d.pop("answer")

        question = d.pop("question")

        def _parse_alternate_questions(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                alternate_questions_type_0 = cast(list[str], data)

                return alternate_questions_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        alternate_questions = _parse_alternate_questions(
            d.pop("alternate_questions", UNSET)
        )

        def _parse_assistant_ids(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                assistant_ids_type_0 = cast(list[str], data)

                return assistant_ids_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        assistant_ids = _parse_assistant_ids(d.pop("assistant_ids", UNSET))

        def _parse_language(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        language = _parse_language(d.pop("language", UNSET))

        def _parse_metadata(data: object) -> CreateQaMetadataType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = CreateQaMetadataType0.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CreateQaMetadataType0 | None | Unset, data)

        metadata = _parse_metadata(d.pop("metadata", UNSET))

        def _parse_tags(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                tags_type_0 = cast(list[str], data)

                return tags_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        tags = _parse_tags(d.pop("tags", UNSET))

        def _parse_title(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        title = _parse_title(d.pop("title", UNSET))

        create_qa = cls(
            answer=answer,
            question=question,
            alternate_questions=alternate_questions,
            assistant_ids=assistant_ids,
            language=language,
            metadata=metadata,
            tags=tags,
            title=title,
        )

        create_qa.additional_properties = d
        return create_qa

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
