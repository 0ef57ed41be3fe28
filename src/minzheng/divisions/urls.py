from django.urls import path

from minzheng.web import views

app_name = "divisions"
urlpatterns = [
    path("", views.home, name="browser"),
]
