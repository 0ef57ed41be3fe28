"""Every declared feed, by code. ``seed_feeds`` (ingest.services) keeps a ``Feed`` row for each."""

from __future__ import annotations

from minzheng.registry.ingest.feeds import civil, hrss, partners, police
from minzheng.registry.ingest.spec import FeedSpec

FEEDS: dict[str, FeedSpec] = {
    spec.code: spec
    for spec in (
        police.HUKOU,
        police.DEATHS,
        hrss.UNEMPLOYMENT,
        hrss.PENSIONS,
        hrss.CONTRIBUTIONS,
        partners.MEDICAL,
        partners.STUDENTS,
        partners.HOMES,
        partners.VEHICLES,
        partners.BUSINESS_ROLES,
        partners.DISABILITY,
        partners.DEPOSITS,
        civil.MARRIAGES,
        civil.FUNERALS,
        civil.ENROLMENTS,
    )
}


def get_feed(code: str) -> FeedSpec:
    """The declaration of feed ``code``; raises ``KeyError`` for an unknown code."""
    return FEEDS[code]


__all__ = ["FEEDS", "FeedSpec", "get_feed"]
