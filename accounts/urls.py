from __future__ import annotations

from django.urls import path

from accounts import views

app_name = "accounts"
urlpatterns = [
    path("invitations/<str:token>/", views.invitation, name="invitation"),
    # Settings > Users
    path("settings/users/", views.user_list, name="user_list"),
    path("settings/users/invite/", views.user_invite, name="user_invite"),
    path("settings/users/invitations/", views.invitation_list, name="invitation_list"),
    path("settings/users/invitations/<int:pk>/resend/", views.invitation_resend, name="invitation_resend"),
    path(
        "settings/users/invitations/<int:pk>/revoke/",
        views.invitation_revoke_view,
        name="invitation_revoke",
    ),
    path("settings/users/<int:pk>/", views.user_detail, name="user_detail"),
    path("settings/users/<int:pk>/role/", views.user_role, name="user_role"),
    path(
        "settings/users/<int:pk>/relationship-manager/",
        views.user_relationship_manager,
        name="user_relationship_manager",
    ),
    path("settings/users/<int:pk>/deactivate/", views.user_deactivate_view, name="user_deactivate"),
    path("settings/users/<int:pk>/reactivate/", views.user_reactivate_view, name="user_reactivate"),
]
