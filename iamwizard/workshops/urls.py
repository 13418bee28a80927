from django.urls import path

from iamwizard.wizard import converters

from . import views

converters.register()

app_name = "workshops"
urlpatterns = [
    path("join/", views.join, name="join"),
    path("join/welcome/", views.welcome, name="welcome"),
    path("join/help/<run_id:run_id>/", views.ask_help, name="help"),
    path("join/room/<run_id:run_id>/", views.room, name="room"),
    path("trainer/login/", views.login, name="login"),
    path("trainer/otp/", views.otp_step, name="otp"),
    path("trainer/logout/", views.logout, name="logout"),
    path("trainer/", views.home, name="home"),
    path("trainer/workshops/new/", views.create, name="create"),
    path("trainer/workshops/<int:pk>/", views.dashboard, name="dashboard"),
    path("trainer/workshops/<int:pk>/live/", views.dashboard_live, name="live"),
    path("trainer/workshops/<int:pk>/lockouts/", views.lockouts_live, name="lockouts"),
    path("trainer/workshops/<int:pk>/lockouts/lift/", views.lift_lockout, name="lift"),
    path("trainer/workshops/<int:pk>/close/", views.close, name="close"),
    path("trainer/workshops/<int:pk>/stuck/", views.stuck_settings, name="stuck"),
    path("trainer/workshops/<int:pk>/cleanup/", views.cleanup, name="cleanup"),
    path("trainer/workshops/<int:pk>/cleanup/progress", views.cleanup_progress, name="cleanup_progress"),
    path("trainer/workshops/<int:pk>/cleanups/<int:record_pk>/", views.report, name="report"),
    path("trainer/workshops/<int:pk>/participants/<int:participant_pk>/reset/", views.reset, name="reset"),
    path("trainer/workshops/<int:pk>/participants/<int:participant_pk>/remove/", views.remove, name="remove"),
    path("trainer/workshops/<int:pk>/participants/<int:participant_pk>/helped/", views.help_done, name="help_done"),
    path("trainer/workshops/<int:pk>/participants/<int:participant_pk>/view/", views.observe, name="observe"),
    path("trainer/workshops/<int:pk>/broadcast/", views.broadcast, name="broadcast"),
    path("trainer/workshops/<int:pk>/projector/", views.projector, name="projector"),
    path("trainer/workshops/<int:pk>/projector/live/", views.projector_live, name="projector_live"),
    path("trainer/workshops/<int:pk>/export.csv", views.export_csv, name="export"),
    path("trainer/workshops/<int:pk>/summary/", views.summary, name="summary"),
]
