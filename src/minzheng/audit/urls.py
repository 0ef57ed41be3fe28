from django.urls import path

from minzheng.web import views

app_name = "audit"
urlpatterns = [
    path("", views.home, name="event_list"),
]
