from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="CrawlBounds")


@_attrs_define
class CrawlBounds:
    """How far a URL's crawl goes.

    Attributes:
        exclude (list[str]): Path patterns no page may match.
        include (list[str]): Path patterns a page must match (`*` any characters, `?` one), when any.
        max_depth (int): Links followed from the URL (0: that page only).
        max_pages (int): Pages fetched at most.
        same_domain (bool): Only pages on the URL's host (with or without `www.`).
        use_sitemap (bool): Also start from the pages the site's sitemaps list (robots.txt `Sitemap:` lines, else
            `/sitemap.xml`; sitemap indexes followed).
    """

    exclude: list[str]
    include: list[str]
    max_depth: int
    max_pages: int
    same_domain: bool
    use_sitemap: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        exclude = self.exclude

        include = self.include

        max_depth = self.max_depth

        max_pages = self.max_pages

        same_domain = self.same_domain

        use_sitemap = self.use_sitemap

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "exclude": exclude,
                "include": include,
                "max_depth": max_depth,
                "max_pages": max_pages,
                "same_domain": same_domain,
                "use_sitemap": use_sitemap,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        exclude = cast(list[str], d.pop("exclude"))

        include = cast(list[str], d.pop("include"))

        max_depth = d.pop("max_depth")

        max_pages = d.pop("max_pages")

        same_domain = d.pop("same_domain")

        use_sitemap = d.pop("use_sitemap")

        crawl_bounds = cls(
            exclude=exclude,
            include=include,
            max_depth=max_depth,
            max_pages=max_pages,
            same_domain=same_domain,
            use_sitemap=use_sitemap,
        )

        crawl_bounds.additional_properties = d
        return crawl_bounds

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
