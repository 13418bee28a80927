from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    # The language switch (base.html's footer): POST language=es|ja|en, next=the page to go back to.
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("iamwizard.workshops.urls")),
    path("", include("iamwizard.wizard.urls")),
]
