from django.urls import include, path

urlpatterns = [
    path("", include("iamwizard.wizard.urls")),
]
