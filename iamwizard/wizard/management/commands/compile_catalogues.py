"""Compile the translation catalogues (locale/*/LC_MESSAGES/django.po -> .mo) without GNU gettext.

Django's own `compilemessages` needs `msgfmt`; a fresh machine may lack it. dev.py and
deploy/run.sh run this instead, so the README's two commands still do everything."""
from django.conf import settings
from django.core.management.base import BaseCommand

from iamwizard.wizard.catalogues import compile_all


class Command(BaseCommand):
    help = "Compile locale/*/LC_MESSAGES/django.po into .mo files (pure Python, no msgfmt needed)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="compile even when the .mo is newer than the .po")

    def handle(self, *args, force=False, **options):
        written = [path for locale_dir in settings.LOCALE_PATHS for path in compile_all(locale_dir, force=force)]
        for path in written:
            self.stdout.write(f"compiled {path}")
