from django.urls import path

from minzheng.accounts.views import auth

app_name = "accounts"
urlpatterns = [
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("two-factor/", auth.two_factor, name="two_factor"),
    path("password/", auth.password_change, name="password_change"),
    path("users/", auth.password_change, name="user_list"),
]
