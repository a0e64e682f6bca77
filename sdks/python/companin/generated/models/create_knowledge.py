from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.create_knowledge_type import CreateKnowledgeType
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.crawl_bounds_input import CrawlBoundsInput
    from ..models.create_knowledge_metadata_type_0 import CreateKnowledgeMetadataType0


T = TypeVar("T", bound="CreateKnowledge")


@_attrs_define
class CreateKnowledge:
    """`POST /knowledge/`: a text (`title`, `content`), a Q&A (`question`, `answer`, ...) or a
    URL (`url`, `crawl`, `refresh_interval_hours`).

        Attributes:
            type_ (CreateKnowledgeType): The types `POST /knowledge/` creates.
            alternate_questions (list[str] | None | Unset): Q&A only.
            answer (None | str | Unset): Q&A only.
            assistant_ids (list[str] | None | Unset):
            content (None | str | Unset): Text only.
            crawl (CrawlBoundsInput | None | Unset): URL only.
            language (None | str | Unset): The language it is written in (BCP-47; its primary subtag is stored: `es` for
                `es-MX`): how its words are stemmed for search. Detected when absent.
            metadata (CreateKnowledgeMetadataType0 | None | Unset):
            question (None | str | Unset): Q&A only.
            refresh_interval_hours (int | None | Unset): URL only: re-sync this often, in hours (1 to 8760).
            replace (bool | None | Unset): Texts: replace the content of the text with the same title, keeping its id.
                Default: False.
            tags (list[str] | None | Unset): Q&A only.
            title (None | str | Unset): Required for texts; a Q&A defaults to its question, a URL to its page's title.
            url (None | str | Unset): URL only: the page (or site) to crawl.
    """

    type_: CreateKnowledgeType
    alternate_questions: list[str] | None | Unset = UNSET
    answer: None | str | Unset = UNSET
    assistant_ids: list[str] | None | Unset = UNSET
    content: None | str | Unset = UNSET
    crawl: CrawlBoundsInput | None | Unset = UNSET
    language: None | str | Unset = UNSET
    metadata: CreateKnowledgeMetadataType0 | None | Unset = UNSET
    question: None | str | Unset = UNSET
    refresh_interval_hours: int | None | Unset = UNSET
    replace: bool | None | Unset = False
    tags: list[str] | None | Unset = UNSET
    title: None | str | Unset = UNSET
    url: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.crawl_bounds_input import CrawlBoundsInput
        from ..models.create_knowledge_metadata_type_0 import (
            CreateKnowledgeMetadataType0,
        )

        type_ = self.type_.value

        alternate_questions: list[str] | None | Unset
        if isinstance(self.alternate_questions, Unset):
            alternate_questions = UNSET
        elif isinstance(self.alternate_questions, list):
            alternate_questions = self.alternate_questions

        else:
            alternate_questions = self.alternate_questions

        answer: None | str | Unset
        if isinstance(self.answer, Unset):
            answer = UNSET
        else:
            answer = self.answer

        assistant_ids: list[str] | None | Unset
        if isinstance(self.assistant_ids, Unset):
            assistant_ids = UNSET
        elif isinstance(self.assistant_ids, list):
            assistant_ids = self.assistant_ids

        else:
            assistant_ids = self.assistant_ids

        content: None | str | Unset
        if isinstance(self.content, Unset):
            content = UNSET
        else:
            content = self.content

        crawl: dict[str, Any] | None | Unset
        if isinstance(self.crawl, Unset):
            crawl = UNSET
        elif isinstance(self.crawl, CrawlBoundsInput):
            crawl = self.crawl.to_dict()
        else:
            crawl = self.crawl

        language: None | str | Unset
        if isinstance(self.language, Unset):
            language = UNSET
        else:
            language = self.language

        metadata: dict[str, Any] | None | Unset
        if isinstance(self.metadata, Unset):
            metadata = UNSET
        elif isinstance(self.metadata, CreateKnowledgeMetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        question: None | str | Unset
        if isinstance(self.question, Unset):
            question = UNSET
        else:
            question = self.question

        refresh_interval_hours: int | None | Unset
        if isinstance(self.refresh_interval_hours, Unset):
            refresh_interval_hours = UNSET
        else:
            refresh_interval_hours = self.refresh_interval_hours

        replace: bool | None | Unset
        if isinstance(self.replace, Unset):
            replace = UNSET
        else:
            replace = self.replace

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

        url: None | str | Unset
        if isinstance(self.url, Unset):
            url = UNSET
        else:
            url = self.url

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
            }
        )
        if alternate_questions is not UNSET:
            field_dict["alternate_questions"] = alternate_questions
        if answer is not UNSET:
            field_dict["answer"] = answer
        if assistant_ids is not UNSET:
            field_dict["assistant_ids"] = assistant_ids
        if content is not UNSET:
            field_dict["content"] = content
        if crawl is not UNSET:
            field_dict["crawl"] = crawl
        if language is not UNSET:
            field_dict["language"] = language
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if question is not UNSET:
            field_dict["question"] = question
        if refresh_interval_hours is not UNSET:
            field_dict["refresh_interval_hours"] = refresh_interval_hours
        if replace is not UNSET:
            field_dict["replace"] = replace
        if tags is not UNSET:
            field_dict["tags"] = tags
        if title is not UNSET:
            field_dict["title"] = title
        if url is not UNSET:
            field_dict["url"] = url

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.crawl_bounds_input import CrawlBoundsInput
        from ..models.create_knowledge_metadata_type_0 import (
            CreateKnowledgeMetadataType0,
        )

        d = dict(src_dict)
        type_ = CreateKnowledgeType(d.pop("type"))

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

        def _parse_answer(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        answer = _parse_answer(d.pop("answer", UNSET))

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

        def _parse_content(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        content = _parse_content(d.pop("content", UNSET))

        def _parse_crawl(data: object) -> CrawlBoundsInput | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                crawl_type_1 = CrawlBoundsInput.from_dict(data)

                return crawl_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CrawlBoundsInput | None | Unset, data)

        crawl = _parse_crawl(d.pop("crawl", UNSET))

        def _parse_language(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        language = _parse_language(d.pop("language", UNSET))

        def _parse_metadata(
            data: object,
        ) -> CreateKnowledgeMetadataType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = CreateKnowledgeMetadataType0.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CreateKnowledgeMetadataType0 | None | Unset, data)

        metadata = _parse_metadata(d.pop("metadata", UNSET))

        def _parse_question(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        question = _parse_question(d.pop("question", UNSET))

        def _parse_refresh_interval_hours(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        refresh_interval_hours = _parse_refresh_interval_hours(
            d.pop("refresh_interval_hours", UNSET)
        )

        def _parse_replace(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        replace = _parse_replace(d.pop("replace", UNSET))

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

        def _parse_url(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        url = _parse_url(d.pop("url", UNSET))

        create_knowledge = cls(
            type_=type_,
            alternate_questions=alternate_questions,
            answer=answer,
            assistant_ids=assistant_ids,
            content=content,
            crawl=crawl,
            language=language,
            metadata=metadata,
            question=question,
            refresh_interval_hours=refresh_interval_hours,
            replace=replace,
            tags=tags,
            title=title,
            url=url,
        )

        create_knowledge.additional_properties = d
        return create_knowledge

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
