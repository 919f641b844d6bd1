"""Staff account pages: two-factor sign-in, the team, joining by invitation, settings, audit log."""

from django.urls import path

from verification.account.views import audit, settings, team, twofactor, welcome

app_name = "account"

urlpatterns = [
    path("2fa/setup/", twofactor.setup, name="2fa_setup"),
    path("2fa/verify/", twofactor.verify, name="2fa_verify"),
    path("2fa/backup-codes/", twofactor.backup_codes, name="2fa_backup_codes"),
    path("team/", team.team, name="team"),
    path("team/<int:user_id>/role/", team.role_change, name="team_role"),
    path("team/<int:user_id>/deactivate/", team.deactivate, name="team_deactivate"),
    path("team/<int:user_id>/reactivate/", team.reactivate, name="team_reactivate"),
    path("team/<int:user_id>/reset-2fa/", team.reset_two_factor, name="team_reset_2fa"),
    path(
        "team/invitations/<int:invitation_id>/revoke/",
        team.invitation_revoke,
        name="team_invitation_revoke",
    ),
    path(
        "team/invitations/<int:invitation_id>/resend/",
        team.invitation_resend,
        name="team_invitation_resend",
    ),
    path("join/<str:token>/", team.join, name="join"),
    path("welcome/<str:token>/", welcome.welcome, name="welcome"),
    path("settings/", settings.settings_page, name="settings"),
    path("audit/", audit.audit_log, name="audit"),
    path("audit/export.csv", audit.audit_export, name="audit_export"),
]
