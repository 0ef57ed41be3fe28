"""The platform's URL map: one include per app, the API under /api/."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from minzheng.api.api import api

urlpatterns: list[URLPattern | URLResolver] = [
    path("", include("minzheng.web.urls")),
    path("accounts/", include("minzheng.accounts.urls")),
    path("divisions/", include("minzheng.divisions.urls")),
    path("audit/", include("minzheng.audit.urls")),
    path("registry/", include("minzheng.registry.urls")),
    path("monitoring/", include("minzheng.monitoring.urls")),
    path("cases/", include("minzheng.cases.urls")),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
]
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
