"""Date and time formats per language (Django's FORMAT_MODULE_PATH). English keeps the wizard's
own compact, unambiguous forms (2026-12-01 14:05, 01 Dec 2026); Spanish and Japanese use Django's."""
