"""Reads of the division tree. Every other app reads divisions through here:
``from minzheng.divisions import selectors as division_selectors``.
"""

from minzheng.divisions.selectors.changes import (
    ChangePreview,
    PreviewRow,
    change_items,
    change_preview,
    changes,
)
from minzheng.divisions.selectors.history import (
    DivisionAsOf,
    DivisionHistory,
    county_map,
    county_names,
    division_history,
    tree_as_of,
)
from minzheng.divisions.selectors.maps import (
    GEO_CODE_FIXES,
    MapCounty,
    MapData,
    geo_feature_codes,
    map_data,
)
from minzheng.divisions.selectors.tree import (
    ancestors,
    child_counts,
    children,
    city,
    counties,
    get_by_code,
    search,
    subtree,
    valid_on_q,
)

__all__ = [
    "GEO_CODE_FIXES",
    "ChangePreview",
    "DivisionAsOf",
    "DivisionHistory",
    "MapCounty",
    "MapData",
    "PreviewRow",
    "ancestors",
    "change_items",
    "change_preview",
    "changes",
    "child_counts",
    "children",
    "city",
    "counties",
    "county_map",
    "county_names",
    "division_history",
    "geo_feature_codes",
    "get_by_code",
    "map_data",
    "search",
    "subtree",
    "tree_as_of",
    "valid_on_q",
]
