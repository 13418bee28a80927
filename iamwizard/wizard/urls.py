from django.urls import path

from . import converters, views

converters.register()

app_name = "wizard"
urlpatterns = [
    path("", views.home, name="home"),
    path("operator-policy.json", views.operator_policy_json, name="operator_policy"),
    path("resume/", views.resume_link, name="resume_link"),
    path("run/<run_id:run_id>/", views.resume, name="resume"),
    path("run/<run_id:run_id>/resume-link/", views.new_resume_link, name="new_resume_link"),
    path("run/<run_id:run_id>/policies.json", views.policy_search, name="policy_search"),
    path("run/<run_id:run_id>/sign-in-details/csv", views.sign_in_csv, name="sign_in_csv"),
    path("run/<run_id:run_id>/<slug:slug>/", views.step_page, name="step"),
    path("run/<run_id:run_id>/<slug:slug>/progress", views.progress, name="progress"),
]
