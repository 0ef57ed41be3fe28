from django.urls import include, path

from minzheng.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.household_list, name="household_list"),
    path("divisions/options/", views.division_options, name="division_options"),
    path("households/new/", views.household_create, name="household_create"),
    path("households/<str:number>/", views.household_detail, name="household_detail"),
    path("households/<str:number>/timeline/", views.household_timeline, name="household_timeline"),
    path("households/<str:number>/members/add/", views.member_add, name="member_add"),
    path("households/<str:number>/facts/<str:kind>/add/", views.fact_add, name="fact_add"),
    path(
        "households/<str:number>/facts/<str:kind>/<int:pk>/close/",
        views.fact_close,
        name="fact_close",
    ),
    path("persons/<int:pk>/", views.person_detail, name="person_detail"),
    path("persons/<int:pk>/reveal/", views.person_reveal, name="person_reveal"),
    path("", include("minzheng.registry.ingest.urls")),
]
