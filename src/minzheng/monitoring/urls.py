from django.urls import path

from minzheng.monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("runs/", views.run_list, name="run_list"),
    path("runs/start/", views.run_start, name="run_start"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("alerts/", views.alert_list, name="alert_list"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert_detail"),
    path("alerts/<int:pk>/engine/", views.alert_engine, name="alert_engine"),
    path("alerts/<int:pk>/start/", views.alert_start, name="alert_start"),
    path("alerts/<int:pk>/dismiss/", views.alert_dismiss, name="alert_dismiss"),
    path("reports/new", views.report_new, name="report_new"),
    path("households/<str:number>/outcome/", views.household_outcome, name="household_outcome"),
    path(
        "households/<str:number>/explanations/<str:programme>/",
        views.household_explanation,
        name="household_explanation",
    ),
]
