from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="CrawlBoundsInput")


@_attrs_define
class CrawlBoundsInput:
    """Crawl bounds to set; what is left out keeps its value (the defaults for a new URL).

    Attributes:
        exclude (list[str] | None | Unset): Path patterns no page may match; at most 20.
        include (list[str] | None | Unset): Path patterns a page must match (`*` any characters, `?` one); at most 20.
        max_depth (int | None | Unset): Links followed from the URL: 0 (the default, that page only) up to the
            configured
            `crawl.max_depth` (5).
        max_pages (int | None | Unset): Pages fetched at most: 1 (the default) up to the configured `crawl.max_pages`
            (500).
        same_domain (bool | None | Unset): Only pages on the URL's host (default true).
        use_sitemap (bool | None | Unset): Also start from the sitemap's pages (default false).
    """

    exclude: list[str] | None | Unset = UNSET
    include: list[str] | None | Unset = UNSET
    max_depth: int | None | Unset = UNSET
    max_pages: int | None | Unset = UNSET
    same_domain: bool | None | Unset = UNSET
    use_sitemap: bool | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        exclude: list[str] | None | Unset
        if isinstance(self.exclude, Unset):
            exclude = UNSET
        elif isinstance(self.exclude, list):
            exclude = self.exclude

        else:
            exclude = self.exclude

        include: list[str] | None | Unset
        if isinstance(self.include, Unset):
            include = UNSET
        elif isinstance(self.include, list):
            include = self.include

        else:
            include = self.include

        max_depth: int | None | Unset
        if isinstance(self.max_depth, Unset):
            max_depth = UNSET
        else:
            max_depth = self.max_depth

        max_pages: int | None | Unset
        if isinstance(self.max_pages, Unset):
            max_pages = UNSET
        else:
            max_pages = self.max_pages

        same_domain: bool | None | Unset
        if isinstance(self.same_domain, Unset):
            same_domain = UNSET
        else:
            same_domain = self.same_domain

        use_sitemap: bool | None | Unset
        if isinstance(self.use_sitemap, Unset):
            use_sitemap = UNSET
        else:
            use_sitemap = self.use_sitemap

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if exclude is not UNSET:
            field_dict["exclude"] = exclude
        if include is not UNSET:
            field_dict["include"] = include
        if max_depth is not UNSET:
            field_dict["max_depth"] = max_depth
        if max_pages is not UNSET:
            field_dict["max_pages"] = max_pages
        if same_domain is not UNSET:
            field_dict["same_domain"] = same_domain
        if use_sitemap is not UNSET:
            field_dict["use_sitemap"] = use_sitemap

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)

        def _parse_exclude(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                exclude_type_0 = cast(list[str], data)

                return exclude_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        exclude = _parse_exclude(d.pop("exclude", UNSET))

        def _parse_include(data: object) -> list[str] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                include_type_0 = cast(list[str], data)

                return include_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[str] | None | Unset, data)

        include = _parse_include(d.pop("include", UNSET))

        def _parse_max_depth(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_depth = _parse_max_depth(d.pop("max_depth", UNSET))

        def _parse_max_pages(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_pages = _parse_max_pages(d.pop("max_pages", UNSET))

        def _parse_same_domain(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        same_domain = _parse_same_domain(d.pop("same_domain", UNSET))

        def _parse_use_sitemap(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        use_sitemap = _parse_use_sitemap(d.pop("use_sitemap", UNSET))

        crawl_bounds_input = cls(
            exclude=exclude,
            include=include,
            max_depth=max_depth,
            max_pages=max_pages,
            same_domain=same_domain,
            use_sitemap=use_sitemap,
        )

        crawl_bounds_input.additional_properties = d
        return crawl_bounds_input

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
