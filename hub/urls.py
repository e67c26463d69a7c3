from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from common.throttling import rate_limited
from hub import api_members, views, views_members

hub_patterns = (
    [
        path("", views.home, name="home"),
        path("projects/", views.project_list, name="project_list"),
        path("projects/<slug:slug>/", views.project_detail, name="project_detail"),
        path("accounts/signup/", views.sign_up, name="signup"),
        path("accounts/profile/", views.profile, name="profile"),
        path("accounts/confirm/<str:token>/", views.email_confirm, name="email_confirm"),
        # member credit (hub.credit): public profiles and the yearly thanks page
        path("members/<str:name>/", views_members.member, name="member"),
        path("members/me/visibility/", views_members.member_visibility,
             name="member_visibility"),
        path("thanks/", views_members.thanks, name="thanks"),
        path("thanks/<int:year>/", views_members.thanks, name="thanks_year"),
    ],
    "hub",
)

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # the split view serves its start-up script as a file: the CSP allows no inline script
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"),
         name="api-docs"),
    path("api/v1/members/<str:name>/", api_members.MemberDetail.as_view(), name="api-member"),
    path("api/v1/", include("dois.api.urls")),
    path("api/v1/", include("events.api.urls")),
]

urlpatterns += i18n_patterns(
    path("", include(hub_patterns)),
    # before contrib.auth's own pattern of the same path: a limited password reset
    path("accounts/password_reset/",
         rate_limited("password_reset")(auth_views.PasswordResetView.as_view()),
         name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("events/", include("events.urls")),
    path("dois/", include("dois.urls")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("admin/", admin.site.urls),
)

