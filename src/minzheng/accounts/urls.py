from django.urls import path

from minzheng.accounts.views import admin, auth, tokens

app_name = "accounts"
urlpatterns = [
    # signing in
    path("login/", auth.LoginView.as_view(), name="login"),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("two-factor/", auth.two_factor, name="two_factor"),
    path("password/", auth.password_change, name="password_change"),
    # users and their role assignments
    path("users/", admin.user_list, name="user_list"),
    path("users/new/", admin.user_create, name="user_create"),
    path("users/<int:pk>/", admin.user_detail, name="user_detail"),
    path("users/<int:pk>/edit/", admin.user_edit, name="user_edit"),
    path("users/<int:pk>/deactivate/", admin.user_deactivate, name="user_deactivate"),
    path("users/<int:pk>/activate/", admin.user_activate, name="user_activate"),
    path("users/<int:pk>/password/", admin.user_password_reset, name="user_password_reset"),
    path("users/<int:pk>/two-factor/reset/", admin.user_totp_reset, name="user_totp_reset"),
    path("users/<int:pk>/unlock/", admin.user_unlock, name="user_unlock"),
    path("users/<int:pk>/assignments/new/", admin.assignment_create, name="assignment_create"),
    path("assignments/<int:pk>/close/", admin.assignment_close, name="assignment_close"),
    path("division-options/", admin.division_options, name="division_options"),
    # roles
    path("roles/", admin.role_list, name="role_list"),
    path("roles/new/", admin.role_create, name="role_create"),
    path("roles/<int:pk>/", admin.role_edit, name="role_edit"),
    # org units
    path("org-units/", admin.orgunit_list, name="orgunit_list"),
    path("org-units/new/", admin.orgunit_create, name="orgunit_create"),
    path("org-units/<int:pk>/", admin.orgunit_detail, name="orgunit_detail"),
    # API tokens for partner systems
    path("tokens/", tokens.token_list, name="token_list"),
    path("tokens/new/", tokens.token_create, name="token_create"),
    path("tokens/<int:pk>/revoke/", tokens.token_revoke, name="token_revoke"),
]
