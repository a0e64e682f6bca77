from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.client_credentials import ClientCredentials
    from ..models.organization import Organization


T = TypeVar("T", bound="CreatedOrganization")


@_attrs_define
class CreatedOrganization:
    """A new organization with the first client of each environment.

    Attributes:
        organization (Organization): A tenant.
        production (ClientCredentials): A client id and its secret, shown once.
        sandbox (ClientCredentials): A client id and its secret, shown once.
        sandbox_seed_job_id (None | str | Unset): The job seeding the sandbox with sample data (`GET /jobs/{id}` with
            the sandbox
            credentials); absent when `sandbox.seed_on_create` is off.
    """

    organization: Organization
    production: ClientCredentials
    sandbox: ClientCredentials
    sandbox_seed_job_id: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        organization = self.organization.to_dict()

        production = self.production.to_dict()

        sandbox = self.sandbox.to_dict()

        sandbox_seed_job_id: None | str | Unset
        if isinstance(self.sandbox_seed_job_id, Unset):
            sandbox_seed_job_id = UNSET
        else:
            sandbox_seed_job_id = self.sandbox_seed_job_id

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "organization": organization,
                "production": production,
                "sandbox": sandbox,
            }
        )
        if sandbox_seed_job_id is not UNSET:
            field_dict["sandbox_seed_job_id"] = sandbox_seed_job_id

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.client_credentials import ClientCredentials
        from ..models.organization import Organization

        d = dict(src_dict)
        organization = Organization.from_dict(d.pop("organization"))

        production = ClientCredentials.from_dict(d.pop("production"))

        sandbox = ClientCredentials.from_dict(d.pop("sandbox"))

        def _parse_sandbox_seed_job_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        sandbox_seed_job_id = _parse_sandbox_seed_job_id(
            d.pop("sandbox_seed_job_id", UNSET)
        )

        created_organization = cls(
            organization=organization,
            production=production,
            sandbox=sandbox,
            sandbox_seed_job_id=sandbox_seed_job_id,
        )

        created_organization.additional_properties = d
        return created_organization

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
