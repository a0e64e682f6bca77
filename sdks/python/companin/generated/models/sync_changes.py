from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="SyncChanges")


@_attrs_define
class SyncChanges:
    """What a URL's last sync changed, in pages.

    Attributes:
        added (int): New pages, embedded.
        removed (int): Pages gone (404/410, or no longer reached within the bounds), pruned with their chunks.
        skipped (int): Pages not read: refused (robots.txt, the SSRF guard), too large, not a readable type,
            or failing this time (their earlier text is kept).
        unchanged (int): Pages found as they were (304, or the same content hash): not parsed or embedded.
        updated (int): Pages whose content changed, re-embedded.
    """

    added: int
    removed: int
    skipped: int
    unchanged: int
    updated: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        added = self.added

        removed = self.removed

        skipped = self.skipped

        unchanged = self.unchanged

        updated = self.updated

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "added": added,
                "removed": removed,
                "skipped": skipped,
                "unchanged": unchanged,
                "updated": updated,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        added = d.pop("added")

        removed = d.pop("removed")

        skipped = d.pop("skipped")

        unchanged = d.pop("unchanged")

        updated = d.pop("updated")

        sync_changes = cls(
            added=added,
            removed=removed,
            skipped=skipped,
            unchanged=unchanged,
            updated=updated,
        )

        sync_changes.additional_properties = d
        return sync_changes

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
