"""Indian mobile numbers, validated and normalized with `phonenumbers`."""

from __future__ import annotations

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_MOBILE_TYPES = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


def normalize_indian_mobile(value: str) -> str:
    """E.164 form (+91XXXXXXXXXX) of an Indian mobile number, or ValidationError."""
    text = str(value).strip()
    if len(text) == 10 and text.isdigit() and text.isascii() and text[0] != "0":
        # Exactly what parse() makes of ten plain digits, without its cost (a bulk import
        # checks tens of thousands); validity is still phonenumbers' own check below.
        number = phonenumbers.PhoneNumber(country_code=91, national_number=int(text))
        # +91 is India's alone, so a known type is validity itself (is_valid_number would work
        # the type out a second time).
        if phonenumbers.number_type(number) not in _MOBILE_TYPES:
            raise ValidationError(_("Enter a valid Indian mobile number."), code="invalid_mobile")
        return f"+91{text}"
    else:
        try:
            number = phonenumbers.parse(text, "IN")
        except phonenumbers.NumberParseException:
            raise ValidationError(_("Enter a valid Indian mobile number."), code="invalid_mobile") from None
    if (
        number.country_code != 91
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) not in _MOBILE_TYPES
    ):
        raise ValidationError(_("Enter a valid Indian mobile number."), code="invalid_mobile")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def national(e164: str) -> str:
    """The 10-digit national number the provider wants."""
    return e164.removeprefix("+91")
