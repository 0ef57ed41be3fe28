from django.urls import path

from minzheng.cases import views, views_figures

app_name = "cases"
urlpatterns = [
    path("", views.worklist, name="worklist"),
    path("list/", views.case_list, name="list"),
    path("figures/", views_figures.figures, name="figures"),
    path("new/<str:household>/", views.case_open, name="open"),
    path("from-alert/<int:alert_id>/", views.case_from_alert, name="from_alert"),
    path("notices/", views.notice_list, name="notice_list"),
    path("notices/<str:village>/", views.notice_print, name="notice_print"),
    path("payments/", views.payment_roll, name="payment_roll"),
    path("referrals/", views.referral_list, name="referral_list"),
    path("referrals/<int:pk>/", views.referral_detail, name="referral_detail"),
    path("referrals/<int:pk>/answer/", views.referral_answer, name="referral_answer"),
    path("<str:number>/", views.case_detail, name="detail"),
    path("<str:number>/steps/<str:step>/", views.case_step, name="step"),
    path("<str:number>/documents/", views.document_upload, name="document_upload"),
    path("<str:number>/documents/<int:pk>/", views.document_download, name="document_download"),
    path("<str:number>/print/<str:document>/", views.case_print, name="print"),
    path("<str:number>/referrals/", views.referral_create, name="referral_create"),
    path(
        "<str:number>/referrals/<int:pk>/withdraw/",
        views.referral_withdraw,
        name="referral_withdraw",
    ),
]
