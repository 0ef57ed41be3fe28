"""The ingest pages, included by ``registry.urls`` (names in the ``registry`` namespace)."""

from django.urls import path

from minzheng.registry.ingest import views

urlpatterns = [
    path("imports/", views.import_list, name="import_list"),
    path("imports/new/", views.import_new, name="import_new"),
    path("imports/templates/<slug:code>.xlsx", views.import_template, name="import_template"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/progress/", views.import_progress, name="import_progress"),
    path("imports/<int:pk>/errors.xlsx", views.import_error_file, name="import_error_file"),
]
