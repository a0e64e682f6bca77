from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.knowledge_status import KnowledgeStatus
from ..models.knowledge_type import KnowledgeType
from ..models.language_source import LanguageSource
from ..models.summary_kind import SummaryKind
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.crawl_bounds import CrawlBounds
    from ..models.knowledge_item_metadata import KnowledgeItemMetadata
    from ..models.sync_changes import SyncChanges


T = TypeVar("T", bound="KnowledgeItem")


@_attrs_define
class KnowledgeItem:
    """A knowledge item.

    Attributes:
        assistant_ids (list[str]):
        chunk_count (int):
        content_hash (str): sha256 of the content; one item per content in an organization's environment.
        created_at (datetime.datetime):
        id (str):
        keywords (list[str]):
        metadata (KnowledgeItemMetadata):
        status (KnowledgeStatus): Where an item's processing stands.
        title (str):
        type_ (KnowledgeType): What an item was made from.
        updated_at (datetime.datetime):
        version (int): 1 at creation, +1 each time the content is replaced.
        alternate_questions (list[str] | None | Unset): Q&A only.
        answer (None | str | Unset): Q&A only: answered verbatim.
        crawl (CrawlBounds | None | Unset): URLs only: how far the crawl goes.
        error (None | str | Unset): Why processing failed (`status: failed`).
        job_id (None | str | Unset): The job that last processed (or is processing) the item: `GET /jobs/{job_id}`.
        language (None | str | Unset): ISO 639-1 code of its language (`null` until processed, or when it has no words
            of a
            known language).
        language_source (LanguageSource | None | Unset): Whether `language` was detected or chosen by the uploader.
        last_synced_at (datetime.datetime | None | Unset): URLs: when the last sync finished.
        media_type (None | str | Unset): The stored content's media type (files and texts).
        next_sync_at (datetime.datetime | None | Unset): URLs with `refresh_interval_hours`: when the workers sync it
            next.
        question (None | str | Unset): Q&A only.
        refresh_interval_hours (int | None | Unset): URLs only: re-synced this often (`null`: only on demand).
        source (None | str | Unset): The file name (files) or URL (urls).
        summary (None | str | Unset):
        summary_kind (None | SummaryKind | Unset):
        sync_changes (None | SyncChanges | Unset): URLs only: what the last sync changed (`null` before the first).
        tags (list[str] | None | Unset): Q&A only.
    """

    assistant_ids: list[str]
    chunk_count: int
    content_hash: str
    created_at: datetime.datetime
    id: str
    keywords: list[str]
    metadata: KnowledgeItemMetadata
    status: KnowledgeStatus
    title: str
    type_: KnowledgeType
    updated_at: datetime.datetime
    version: int
    alternate_questions: list[str] | None | Unset = UNSET
    answer: None | str | Unset = UNSET
    crawl: CrawlBounds | None | Unset = UNSET
    error: None | str | Unset = UNSET
    job_id: None | str | Unset = UNSET
    language: None | str | Unset = UNSET
    language_source: LanguageSource | None | Unset = UNSET
    last_synced_at: datetime.datetime | None | Unset = UNSET
    media_type: None | str | Unset = UNSET
    next_sync_at: datetime.datetime | None | Unset = UNSET
    question: None | str | Unset = UNSET
    refresh_interval_hours: int | None | Unset = UNSET
    source: None | str | Unset = UNSET
    summary: None | str | Unset = UNSET
    summary_kind: None | SummaryKind | Unset = UNSET
    sync_changes: None | SyncChanges | Unset = UNSET
    tags: list[str] | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.crawl_bounds import CrawlBounds
        from ..models.sync_changes import SyncChanges

        assistant_ids = self.assistant_ids

        chunk_count = self.chunk_count

        content_hash = self.content_hash

        created_at = self.created_at.isoformat()

        id = self.id

        keywords = self.keywords

        metadata = self.metadata.to_dict()

        status = self.status.value

        title = self.title

        type_ = self.type_.value

        updated_at = self.updated_at.isoformat()

        version = self.version

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

        crawl: dict[str, Any] | None | Unset
        if isinstance(self.crawl, Unset):
            crawl = UNSET
        elif isinstance(self.crawl, CrawlBounds):
            crawl = self.crawl.to_dict()
        else:
            crawl = self.crawl

        error: None | str | Unset
        if isinstance(self.error, Unset):
            error = UNSET
        else:
            error = self.error

        job_id: None | str | Unset
        if isinstance(self.job_id, Unset):
            job_id = UNSET
        else:
            job_id = self.job_id

        language: None | str | Unset
        if isinstance(self.language, Unset):
            language = UNSET
        else:
            language = self.language

        language_source: None | str | Unset
        if isinstance(self.language_source, Unset):
            language_source = UNSET
        elif isinstance(self.language_source, LanguageSource):
            language_source = self.language_source.value
        else:
            language_source = self.language_source

        last_synced_at: None | str | Unset
        if isinstance(self.last_synced_at, Unset):
            last_synced_at = UNSET
        elif isinstance(self.last_synced_at, datetime.datetime):
            last_synced_at = self.last_synced_at.isoformat()
        else:
            last_synced_at = self.last_synced_at

        media_type: None | str | Unset
        if isinstance(self.media_type, Unset):
            media_type = UNSET
        else:
            media_type = self.media_type

        next_sync_at: None | str | Unset
        if isinstance(self.next_sync_at, Unset):
            next_sync_at = UNSET
        elif isinstance(self.next_sync_at, datetime.datetime):
            next_sync_at = self.next_sync_at.isoformat()
        else:
            next_sync_at = self.next_sync_at

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

        source: None | str | Unset
        if isinstance(self.source, Unset):
            source = UNSET
        else:
            source = self.source

        summary: None | str | Unset
        if isinstance(self.summary, Unset):
            summary = UNSET
        else:
            summary = self.summary

        summary_kind: None | str | Unset
        if isinstance(self.summary_kind, Unset):
            summary_kind = UNSET
        elif isinstance(self.summary_kind, SummaryKind):
            summary_kind = self.summary_kind.value
        else:
            summary_kind = self.summary_kind

        sync_changes: dict[str, Any] | None | Unset
        if isinstance(self.sync_changes, Unset):
            sync_changes = UNSET
        elif isinstance(self.sync_changes, SyncChanges):
            sync_changes = self.sync_changes.to_dict()
        else:
            sync_changes = self.sync_changes

        tags: list[str] | None | Unset
        if isinstance(self.tags, Unset):
            tags = UNSET
        elif isinstance(self.tags, list):
            tags = self.tags

        else:
            tags = self.tags

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "assistant_ids": assistant_ids,
                "chunk_count": chunk_count,
                "content_hash": content_hash,
                "created_at": created_at,
                "id": id,
                "keywords": keywords,
                "metadata": metadata,
                "status": status,
                "title": title,
                "type": type_,
                "updated_at": updated_at,
                "version": version,
            }
        )
        if alternate_questions is not UNSET:
            field_dict["alternate_questions"] = alternate_questions
        if answer is not UNSET:
            field_dict["answer"] = answer
        if crawl is not UNSET:
            field_dict["crawl"] = crawl
        if error is not UNSET:
            field_dict["error"] = error
        if job_id is not UNSET:
            field_dict["job_id"] = job_id
        if language is not UNSET:
            field_dict["language"] = language
        if language_source is not UNSET:
            field_dict["language_source"] = language_source
        if last_synced_at is not UNSET:
            field_dict["last_synced_at"] = last_synced_at
        if media_type is not UNSET:
            field_dict["media_type"] = media_type
        if next_sync_at is not UNSET:
            field_dict["next_sync_at"] = next_sync_at
        if question is not UNSET:
            field_dict["question"] = question
        if refresh_interval_hours is not UNSET:
            field_dict["refresh_interval_hours"] = refresh_interval_hours
        if source is not UNSET:
            field_dict["source"] = source
        if summary is not UNSET:
            field_dict["summary"] = summary
        if summary_kind is not UNSET:
            field_dict["summary_kind"] = summary_kind
        if sync_changes is not UNSET:
            field_dict["sync_changes"] = sync_changes
        if tags is not UNSET:
            field_dict["tags"] = tags

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.crawl_bounds import CrawlBounds
        from ..models.knowledge_item_metadata import KnowledgeItemMetadata
        from ..models.sync_changes import SyncChanges

        d = dict(src_dict)
        assistant_ids = cast(list[str], d.pop("assistant_ids"))

        chunk_count = d.pop("chunk_count")

        content_hash = d.pop("content_hash")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        id = d.pop("id")

        keywords = cast(list[str], d.pop("keywords"))

        metadata = KnowledgeItemMetadata.from_dict(d.pop("metadata"))

        status = KnowledgeStatus(d.pop("status"))

        title = d.pop("title")

        type_ = KnowledgeType(d.pop("type"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        version = d.pop("version")

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

        def _parse_crawl(data: object) -> CrawlBounds | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                crawl_type_1 = CrawlBounds.from_dict(data)

                return crawl_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CrawlBounds | None | Unset, data)

        crawl = _parse_crawl(d.pop("crawl", UNSET))

        def _parse_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error = _parse_error(d.pop("error", UNSET))

        def _parse_job_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        job_id = _parse_job_id(d.pop("job_id", UNSET))

        def _parse_language(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        language = _parse_language(d.pop("language", UNSET))

        def _parse_language_source(data: object) -> LanguageSource | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                language_source_type_1 = LanguageSource(data)

                return language_source_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(LanguageSource | None | Unset, data)

        language_source = _parse_language_source(d.pop("language_source", UNSET))

        def _parse_last_synced_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                last_synced_at_type_0 = datetime.datetime.fromisoformat(data)

                return last_synced_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        last_synced_at = _parse_last_synced_at(d.pop("last_synced_at", UNSET))

        def _parse_media_type(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        media_type = _parse_media_type(d.pop("media_type", UNSET))

        def _parse_next_sync_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_sync_at_type_0 = datetime.datetime.fromisoformat(data)

                return next_sync_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        next_sync_at = _parse_next_sync_at(d.pop("next_sync_at", UNSET))

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

        def _parse_source(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        source = _parse_source(d.pop("source", UNSET))

        def _parse_summary(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        summary = _parse_summary(d.pop("summary", UNSET))

        def _parse_summary_kind(data: object) -> None | SummaryKind | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                summary_kind_type_1 = SummaryKind(data)

                return summary_kind_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SummaryKind | Unset, data)

        summary_kind = _parse_summary_kind(d.pop("summary_kind", UNSET))

        def _parse_sync_changes(data: object) -> None | SyncChanges | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                sync_changes_type_1 = SyncChanges.from_dict(data)

                return sync_changes_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | SyncChanges | Unset, data)

        sync_changes = _parse_sync_changes(d.pop("sync_changes", UNSET))

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

        knowledge_item = cls(
            assistant_ids=assistant_ids,
            chunk_count=chunk_count,
            content_hash=content_hash,
            created_at=created_at,
            id=id,
            keywords=keywords,
            metadata=metadata,
            status=status,
            title=title,
            type_=type_,
            updated_at=updated_at,
            version=version,
            alternate_questions=alternate_questions,
            answer=answer,
            crawl=crawl,
            error=error,
            job_id=job_id,
            language=language,
            language_source=language_source,
            last_synced_at=last_synced_at,
            media_type=media_type,
            next_sync_at=next_sync_at,
            question=question,
            refresh_interval_hours=refresh_interval_hours,
            source=source,
            summary=summary,
            summary_kind=summary_kind,
            sync_changes=sync_changes,
            tags=tags,
        )

        knowledge_item.additional_properties = d
        return knowledge_item

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
