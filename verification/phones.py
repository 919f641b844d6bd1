"""Indian mobile numbers, validated and normalized with `phonenumbers`."""

from __future__ import annotations

from dataclasses import dataclass

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from verification.crypto import lookup_digest

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


@dataclass(frozen=True)
class StoredMobile:
    """How a mobile number is kept on an employee: the number itself (E.164, encrypted by its
    field), the last 4 digits people are shown, and a keyed digest for equality lookups. An
    absent number is None, "", "". The one place that says so."""

    e164: str | None
    last4: str
    digest: str

    @classmethod
    def of(cls, e164: str | None) -> StoredMobile:
        if not e164:
            return cls(None, "", "")
        return cls(e164, e164[-4:], lookup_digest(e164))

    def fields(self) -> dict[str, str | None]:
        """As the employee row's fields (``mobile``, ``mobile_last4``, ``mobile_digest``)."""
        return {"mobile": self.e164, "mobile_last4": self.last4, "mobile_digest": self.digest}


def last4(e164: str | None) -> str:
    """The part of a number people are shown."""
    return e164[-4:] if e164 else ""
