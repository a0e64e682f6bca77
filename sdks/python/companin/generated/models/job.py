from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.job_status_name import JobStatusName
from ..types import UNSET, Unset

T = TypeVar("T", bound="Job")


@_attrs_define
class Job:
    """A background job.

    Attributes:
        attempts (int): Attempts started so far (failed attempts are retried with backoff, up to a bound).
        cancel_requested (bool): A cancel was asked for; a running job stops at its next check.
        enqueued_at (datetime.datetime):
        id (str):
        kind (str): `ingest`, `reindex`, `crawl` (a URL's sync), `summarize` (a generated summary, after
            the item is ready) or `sandbox_reset`.
        progress (float): From 0 to 1.
        status (JobStatusName): Where a job stands.
        error (None | str | Unset): Why the job (or its last attempt, while it waits for a retry) failed.
        finished_at (datetime.datetime | None | Unset):
        knowledge_id (None | str | Unset):
        pages_done (int | None | Unset): Crawls: pages visited so far.
        pages_found (int | None | Unset): Crawls: pages found within the bounds so far (grows as links are found).
        started_at (datetime.datetime | None | Unset):
    """

    attempts: int
    cancel_requested: bool
    enqueued_at: datetime.datetime
    id: str
    kind: str
    progress: float
    status: JobStatusName
    error: None | str | Unset = UNSET
    finished_at: datetime.datetime | None | Unset = UNSET
    knowledge_id: None | str | Unset = UNSET
    pages_done: int | None | Unset = UNSET
    pages_found: int | None | Unset = UNSET
    started_at: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        attempts = self.attempts

        cancel_requested = self.cancel_requested

        enqueued_at = self.enqueued_at.isoformat()

        id = self.id

        kind = self.kind

        progress = self.progress

        status = self.status.value

        error: None | str | Unset
        if isinstance(self.error, Unset):
            error = UNSET
        else:
            error = self.error

        finished_at: None | str | Unset
        if isinstance(self.finished_at, Unset):
            finished_at = UNSET
        elif isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        knowledge_id: None | str | Unset
        if isinstance(self.knowledge_id, Unset):
            knowledge_id = UNSET
        else:
            knowledge_id = self.knowledge_id

        pages_done: int | None | Unset
        if isinstance(self.pages_done, Unset):
            pages_done = UNSET
        else:
            pages_done = self.pages_done

        pages_found: int | None | Unset
        if isinstance(self.pages_found, Unset):
            pages_found = UNSET
        else:
            pages_found = self.pages_found

        started_at: None | str | Unset
        if isinstance(self.started_at, Unset):
            started_at = UNSET
        elif isinstance(self.started_at, datetime.datetime):
            started_at = self.started_at.isoformat()
        else:
            started_at = self.started_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "attempts": attempts,
                "cancel_requested": cancel_requested,
                "enqueued_at": enqueued_at,
                "id": id,
                "kind": kind,
                "progress": progress,
                "status": status,
            }
        )
        if error is not UNSET:
            field_dict["error"] = error
        if finished_at is not UNSET:
            field_dict["finished_at"] = finished_at
        if knowledge_id is not UNSET:
            field_dict["knowledge_id"] = knowledge_id
        if pages_done is not UNSET:
            field_dict["pages_done"] = pages_done
        if pages_found is not UNSET:
            field_dict["pages_found"] = pages_found
        if started_at is not UNSET:
            field_dict["started_at"] = started_at

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        attempts = d.pop("attempts")

        cancel_requested = d.pop("cancel_requested")

        enqueued_at = datetime.datetime.fromisoformat(d.pop("enqueued_at"))

        id = d.pop("id")

        kind = d.pop("kind")

        progress = d.pop("progress")

        status = JobStatusName(d.pop("status"))

        def _parse_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error = _parse_error(d.pop("error", UNSET))

        def _parse_finished_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)

                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        finished_at = _parse_finished_at(d.pop("finished_at", UNSET))

        def _parse_knowledge_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        knowledge_id = _parse_knowledge_id(d.pop("knowledge_id", UNSET))

        def _parse_pages_done(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        pages_done = _parse_pages_done(d.pop("pages_done", UNSET))

        def _parse_pages_found(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        pages_found = _parse_pages_found(d.pop("pages_found", UNSET))

        def _parse_started_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                started_at_type_0 = datetime.datetime.fromisoformat(data)

                return started_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        started_at = _parse_started_at(d.pop("started_at", UNSET))

        job = cls(
            attempts=attempts,
            cancel_requested=cancel_requested,
            enqueued_at=enqueued_at,
            id=id,
            kind=kind,
            progress=progress,
            status=status,
            error=error,
            finished_at=finished_at,
            knowledge_id=knowledge_id,
            pages_done=pages_done,
            pages_found=pages_found,
            started_at=started_at,
        )

        job.additional_properties = d
        return job

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
