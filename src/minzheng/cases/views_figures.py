"""The loop figures page (闭环指标): alerts → cases → aid per county and township, with charts."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from minzheng.accounts.decorators import action_required
from minzheng.cases import figures as loop_figures
from minzheng.cases.selectors.scope import VIEW


@action_required(VIEW)
def figures(request: HttpRequest) -> HttpResponse:
    """Loop figures of the reader's scope; ``?county=500101`` lists that county's townships."""
    found = loop_figures.loop_figures(user=request.user, county=request.GET.get("county", ""))
    return render(
        request,
        "cases/figures.html",
        {"figures": found, "chart": found.chart(), "outcomes": loop_figures.REFERRAL_OUTCOMES},
    )
