from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.update_session_metadata_type_0 import UpdateSessionMetadataType0


T = TypeVar("T", bound="UpdateSession")


@_attrs_define
class UpdateSession:
    """Changes to an active session.

    Attributes:
        expires_in (int | None | Unset): A new lifetime in seconds, counted from now.
        metadata (None | Unset | UpdateSessionMetadataType0): Merged into the metadata (a `null` value removes its key),
            or replacing it when
            `replace_metadata` is true.
        replace_metadata (bool | None | Unset):  Default: False.
    """

    expires_in: int | None | Unset = UNSET
    metadata: None | Unset | UpdateSessionMetadataType0 = UNSET
    replace_metadata: bool | None | Unset = False
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.update_session_metadata_type_0 import UpdateSessionMetadataType0

        expires_in: int | None | Unset
        if isinstance(self.expires_in, Unset):
            expires_in = UNSET
        else:
            expires_in = self.expires_in

        metadata: dict[str, Any] | None | Unset
        if isinstance(self.metadata, Unset):
            metadata = UNSET
        elif isinstance(self.metadata, UpdateSessionMetadataType0):
            metadata = self.metadata.to_dict()
        else:
            metadata = self.metadata

        replace_metadata: bool | None | Unset
        if isinstance(self.replace_metadata, Unset):
            replace_metadata = UNSET
        else:
            replace_metadata = self.replace_metadata

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if expires_in is not UNSET:
            field_dict["expires_in"] = expires_in
        if metadata is not UNSET:
            field_dict["metadata"] = metadata
        if replace_metadata is not UNSET:
            field_dict["replace_metadata"] = replace_metadata

        return field_dict

    @classmethod
    def from_dict(cls, src_dict: Mapping[str, Any]) -> Self:
        from ..models.update_session_metadata_type_0 import UpdateSessionMetadataType0

        d = dict(src_dict)

        def _parse_expires_in(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        expires_in = _parse_expires_in(d.pop("expires_in", UNSET))

        def _parse_metadata(data: object) -> None | Unset | UpdateSessionMetadataType0:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                metadata_type_0 = UpdateSessionMetadataType0.from_dict(data)

                return metadata_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | Unset | UpdateSessionMetadataType0, data)

        metadata = _parse_metadata(d.pop("metadata", UNSET))

        def _parse_replace_metadata(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        replace_metadata = _parse_replace_metadata(d.pop("replace_metadata", UNSET))

        update_session = cls(
            expires_in=expires_in,
            metadata=metadata,
            replace_metadata=replace_metadata,
        )

        update_session.additional_properties = d
        return update_session

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
