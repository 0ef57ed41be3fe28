"""Writes to the division tree. Import this module: ``from minzheng.divisions import services``."""

from minzheng.divisions.services.applying import change_apply
from minzheng.divisions.services.loading import LoadResult, load_divisions, village_area_type
from minzheng.divisions.services.recording import change_record, read_change_spec

__all__ = [
    "LoadResult",
    "change_apply",
    "change_record",
    "load_divisions",
    "read_change_spec",
    "village_area_type",
]
