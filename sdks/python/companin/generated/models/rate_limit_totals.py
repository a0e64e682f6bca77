from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="RateLimitTotals")


@_attrs_define
class RateLimitTotals:
    """Sums over the windows of the range.

    Attributes:
        allowed (int):
        blocked (int):
        warnings (int): `warning` events: windows in which 80 % of the limit was passed.
    """

    allowed: int
    blocked: int
    warnings: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        allowed = self.allowed

        blocked = self.blocked

        warnings = self.warnings

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "allowed": allowed,
                "blocked": blocked,
                "warnings": warnings,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        allowed = d.pop("allowed")

        blocked = d.pop("blocked")

        warnings = d.pop("warnings")

        rate_limit_totals = cls(
            allowed=allowed,
            blocked=blocked,
            warnings=warnings,
        )

        rate_limit_totals.additional_properties = d
        return rate_limit_totals

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
