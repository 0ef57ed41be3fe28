from django.urls import path

from minzheng.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.event_list, name="event_list"),
    path("export.xlsx", views.event_export, name="event_export"),
    path("<int:pk>/", views.event_detail, name="event_detail"),
    path("<int:pk>/diff/", views.event_diff, name="event_diff"),
]
