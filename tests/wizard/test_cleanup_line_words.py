"""A cleanup report line keeps a kind plus parameters and is worded in the reader's language."""
from django.utils import translation

from iamwizard.core.errors import AwsProblem
from iamwizard.wizard.cleanup import aws_words, in_words, w


class _Exc:
    problem = AwsProblem("DeleteConflict", "aws.refused", {"code": "DeleteConflict", "aws_message": "must delete keys first"}, "must delete keys first", False)


def test_a_line_reads_in_each_readers_language_with_names_unchanged():
    resource, detail = w("user.login_profile", user="ana"), w("gone")
    assert (in_words(resource), in_words(detail)) == ("user ana: console password", "already gone")
    with translation.override("es"):
        assert (in_words(resource), in_words(detail)) == ("usuario ana: contraseña de la consola", "ya no existe")
    assert in_words(aws_words(_Exc(), "aws.coded")).startswith("DeleteConflict: AWS refused this (DeleteConflict)")


def test_plain_words_stored_before_stand():
    assert in_words("usuario ana") == "usuario ana" and in_words("") == "" and in_words(None) == ""
