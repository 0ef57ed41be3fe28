from django.urls import path

from minzheng.divisions import views

app_name = "divisions"
urlpatterns = [
    path("", views.browser, name="browser"),
    path("map-data/", views.map_data, name="map_data"),
    path("changes/", views.change_list, name="change_list"),
    path("changes/new/", views.change_create, name="change_create"),
    path("changes/<int:pk>/", views.change_detail, name="change_detail"),
    path("changes/<int:pk>/apply/", views.change_apply, name="change_apply"),
    path("<str:code>/", views.detail, name="detail"),
    path("<str:code>/children/", views.children, name="children"),
]
