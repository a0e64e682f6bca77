from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Self, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="EndpointStats")


@_attrs_define
class EndpointStats:
    """One method and route template.

    Attributes:
        avg_latency_ms (float):
        error_rate (float): `errors / requests`.
        errors (int): Responses with status 400 or above, rate-limit refusals (429) included.
        method (str):
        p50_latency_ms (float): Nearest-rank median latency.
        p95_latency_ms (float): Nearest-rank 95th percentile latency.
        p99_latency_ms (float): Nearest-rank 99th percentile latency.
        requests (int):
        route (str): The route template, e.g. `/api/v1/clients/{id}`.
    """

    avg_latency_ms: float
    error_rate: float
    errors: int
    method: str
    p50_latency_ms: float
    p95_latency_ms: float
    p99_latency_ms: float
    requests: int
    route: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        avg_latency_ms = self.avg_latency_ms

        error_rate = self.error_rate

        errors = self.errors

        method = self.method

        p50_latency_ms = self.p50_latency_ms

        p95_latency_ms = self.p95_latency_ms

        p99_latency_ms = self.p99_latency_ms

        requests = self.requests

        route = self.route

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "avg_latency_ms": avg_latency_ms,
                "error_rate": error_rate,
                "errors": errors,
                "method": method,
                "p50_latency_ms": p50_latency_ms,
                "p95_latency_ms": p95_latency_ms,
                "p99_latency_ms": p99_latency_ms,
                "requests": requests,
                "route": route,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        d = dict(src_dict)
        avg_latency_ms = d.pop("avg_latency_ms")

        error_rate = d.pop("error_rate")

        errors = d.pop("errors")

        method = d.pop("method")

        p50_latency_ms = d.pop("p50_latency_ms")

        p95_latency_ms = d.pop("p95_latency_ms")

        p99_latency_ms = d.pop("p99_latency_ms")

        requests = d.pop("requests")

        route = d.pop("route")

        endpoint_stats = cls(
            avg_latency_ms=avg_latency_ms,
            error_rate=error_rate,
            errors=errors,
            method=method,
            p50_latency_ms=p50_latency_ms,
            p95_latency_ms=p95_latency_ms,
            p99_latency_ms=p99_latency_ms,
            requests=requests,
            route=route,
        )

        endpoint_stats.additional_properties = d
        return endpoint_stats

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
