from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="TrafficStats")


@_attrs_define
class TrafficStats:
    """Requests, errors and latency of one endpoint, or of all of them together.

    Attributes:
        avg_latency_ms (float):
        error_rate (float): `errors / requests`.
        errors (int): Responses with status 400 or above, rate-limit refusals (429) included.
        p50_latency_ms (float): Nearest-rank median latency.
        p95_latency_ms (float): Nearest-rank 95th percentile latency.
        p99_latency_ms (float): Nearest-rank 99th percentile latency.
        requests (int):
    """

    avg_latency_ms: float
    error_rate: float
    errors: int
    p50_latency_ms: float
    p95_latency_ms: float
    p99_latency_ms: float
    requests: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        avg_latency_ms = self.avg_latency_ms

        error_rate = self.error_rate

        errors = self.errors

        p50_latency_ms = self.p50_latency_ms

        p95_latency_ms = self.p95_latency_ms

        p99_latency_ms = self.p99_latency_ms

        requests = self.requests

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "avg_latency_ms": avg_latency_ms,
                "error_rate": error_rate,
                "errors": errors,
                "p50_latency_ms": p50_latency_ms,
                "p95_latency_ms": p95_latency_ms,
                "p99_latency_ms": p99_latency_ms,
                "requests": requests,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        avg_latency_ms = d.pop("avg_latency_ms")

        error_rate = d.pop("error_rate")

        errors = d.pop("errors")

        p50_latency_ms = d.pop("p50_latency_ms")

        p95_latency_ms = d.pop("p95_latency_ms")

        p99_latency_ms = d.pop("p99_latency_ms")

        requests = d.pop("requests")

        traffic_stats = cls(
            avg_latency_ms=avg_latency_ms,
            error_rate=error_rate,
            errors=errors,
            p50_latency_ms=p50_latency_ms,
            p95_latency_ms=p95_latency_ms,
            p99_latency_ms=p99_latency_ms,
            requests=requests,
        )

        traffic_stats.additional_properties = d
        return traffic_stats

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
