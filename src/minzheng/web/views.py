"""The shell's own pages: each role's home page and the health endpoint."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from minzheng.web import selectors


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The signed-in user's work page, chosen by their role."""
    context = selectors.home_context(user=request.user)
    return render(request, context["template"], context)


def health(request: HttpRequest) -> JsonResponse:
    """Database and worker status for monitoring; 503 when the database does not answer."""
    report = selectors.health_report()
    return JsonResponse(report, status=200 if report["database"]["ok"] else 503)
