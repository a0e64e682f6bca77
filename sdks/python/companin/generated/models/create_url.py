from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.crawl_bounds_input import CrawlBoundsInput
    from ..models.create_url_metadata_type_0 import CreateUrlMetadataType0


T = TypeVar("T", bound="CreateUrl")


@_attrs_define
class CreateUrl:
    """`POST /knowledge/urls/`.

    Attributes:
        url (str): An http or https URL whose host is public (unless `crawl.allow_private_networks`).
        assistant_ids (list[str] | None | Unset):
        crawl (CrawlBoundsInput | None | Unset): Defaults: this page only.
        language (None | str | Unset): The language it is written in (BCP-47; its primary subtag is stored: `es` for
            `es-MX`): how its words are stemmed for search. Detected page by page when
            absent.
        metadata (CreateUrlMetadataType0 | None | Unset):
        refresh_interval_hours (int | None | Unset): Re-sync this often, in hours (1 to 8760); only on demand when
            absent.
        title (None | str | Unset): Defaults to the page's title.
    """

    url: str
    assistant_ids: list[str] | None | Unset = UNSET
    crawl: CrawlBoundsInput | None | Unset = UNSET
    language: None | str | Unset = UNSET
    metadata: CreateUrlMetadataType0 | None | Unset = UNSET
    refresh_interval_hours: int | None | Unset = UNSET
    title: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.crawl_bounds_input import CrawlBoundsInput
        from ..models.create_url_metadata_type_0 import CreateUrlMetadataType0

        url = self.url

        assistant_ids: list[str] | None | Unset
        if isinstance(self.assistant_ids, Unset):
            assistant_ids = UNSET
        elif isinstance(self.assistant_ids, list):
            assistant_ids = self.assistant_ids

        else:
            assistant_ids = self.assistant_ids

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
        elif isinstance(self.metadata, CreateUrlMetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        refresh_interval_hours: int | None | Unset
        if isinstance(self.refresh_interval_hours, Unset):
            refresh_interval_hours = UNSET
        else:
            refresh_interval_hours = self.refresh_interval_hours

        title: None | str | Unset
        if isinstance(self.title, Unset):
            title = UNSET
        else:
            title = self.title

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "url": url,
            }
        )
        if assistant_ids is not UNSET:
            field_dict["assistant_ids"] = assistant_ids
        if crawl is not UNSET:
            field_dict["crawl"] = crawl
        if language is not UNSET:
            field_dict["language"] = language
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if refresh_interval_hours is not UNSET:
            field_dict["refresh_interval_hours"] = refresh_interval_hours
        if title is not UNSET:
            field_dict["title"] = title

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.crawl_bounds_input import CrawlBoundsInput
        from ..models.create_url_metadata_type_0 import CreateUrlMetadataType0

        d = dict(src_dict)
        url = d.pop("url")

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

        def _parse_metadata(data: object) -> CreateUrlMetadataType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = CreateUrlMetadataType0.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CreateUrlMetadataType0 | None | Unset, data)

        metadata = _parse_metadata(d.pop("metadata", UNSET))

        def _parse_refresh_interval_hours(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        refresh_interval_hours = _parse_refresh_interval_hours(
            d.pop("refresh_interval_hours", UNSET)
        )

        def _parse_title(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        title = _parse_title(d.pop("title", UNSET))

        create_url = cls(
            url=url,
            assistant_ids=assistant_ids,
            crawl=crawl,
            language=language,
            metadata=metadata,
            refresh_interval_hours=refresh_interval_hours,
            title=title,
        )

        create_url.additional_properties = d
        return create_url

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
