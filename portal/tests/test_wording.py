"""Django's own form and password messages read in Hindi in the project's words
(portal/wording.py): Django's Hindi catalogue words some badly and leaves others English."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.contrib.auth.password_validation import password_validators_help_texts, validate_password
from django.core.exceptions import ValidationError
from django.utils import translation

from portal.wording import DJANGO_COUNTED_MESSAGES, DJANGO_MESSAGES

DEVANAGARI = re.compile("[\u0900-\u097f]")


def test_every_marked_message_has_hindi_words():
    with translation.override("hi"):
        for message in DJANGO_MESSAGES:
            assert DEVANAGARI.search(translation.gettext(message)), message
        for counted in DJANGO_COUNTED_MESSAGES:
            for n in (1, 10):
                text = str(counted % {"limit_value": n, "show_value": n + 1, "min_length": n})
                assert DEVANAGARI.search(text), text


class _Form(forms.Form):
    name = forms.CharField(max_length=5)
    email = forms.EmailField()


def test_a_hindi_form_asks_for_an_email_address_not_a_postal_one():
    with translation.override("hi"):
        form = _Form({"name": "abcdefgh", "email": "not an address"})
        assert not form.is_valid()
        assert form.errors["email"] == ["सही ई-मेल पता डालें।"]  # Django's: "वैध डाक पता" (postal)
        assert form.errors["name"] == ["ज़्यादा से ज़्यादा 5 अक्षर हो सकते हैं (अभी 8 हैं)।"]  # Django's: English
        assert _Form({}).errors["email"] == ["यह भरना ज़रूरी है।"]


def test_the_password_rules_and_refusals_are_in_hindi():
    with translation.override("hi"):
        rules = password_validators_help_texts()
        assert len(rules) == 4 and all(DEVANAGARI.search(rule) for rule in rules), rules
        with pytest.raises(ValidationError) as refused:
            validate_password("12345")
    assert refused.value.messages == [
        "यह पासवर्ड बहुत छोटा है: इसमें कम से कम 10 अक्षर होने चाहिए।",
        "यह पासवर्ड बहुत आम है।",
        "इस पासवर्ड में केवल अंक हैं।",
    ]
