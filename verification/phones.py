"""Indian mobile numbers, validated and normalized with `phonenumbers`."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from phonenumbers import geocoder

from verification.crypto import lookup_digest

_MOBILE_TYPES = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


#: Text a spreadsheet makes of a long number: scientific notation ("9.87654321E9", "9.88E+09")
#: or a decimal with a fraction ("9876543210.5"). Digits may be lost or run together: never a
#: number to send an OTP to. ("9876543210.0" is exact; readers strip that ".0".)
_SHORTENED = re.compile(r"[+-]?\d+(?:[.,]\d*)?[eE][+-]?\d+|\d+[.,]\d*[1-9]\d*")


#: What may stand between the digits of one phone number; anything else (a second number
#: after "/" or ",", letters, "ext") makes the cell ambiguous.
_NUMBER_CHARACTERS = re.compile(r"[0-9+\-(). \u00a0]+")


#: The value is not repeated: beside an import error it is shown masked.
SHORTENED_MESSAGE = _(
    "This looks like a number Excel shortened (scientific notation or decimals): digits may be "
    "lost. Format the column as text, type the number again and upload the file again."
)


def shortened(text: str) -> bool:
    """True if ``text`` is a number a spreadsheet wrote in scientific notation or with a
    fraction: what it was before cannot be known."""
    return _SHORTENED.fullmatch(text.strip()) is not None


def _one_number(text: str) -> bool:
    """Only a phone number's characters, one ``+`` at most: no words or second number beside
    it ("Mob: ...", "98765 43210, 98765"), of which phonenumbers would quietly keep the first
    number it finds."""
    return _NUMBER_CHARACTERS.fullmatch(text) is not None and text.count("+") <= 1


def normalize_indian_mobile(value: str) -> str:
    """E.164 form (+91XXXXXXXXXX) of an Indian mobile number, or ValidationError (a number in
    scientific notation is refused, never read: ``shortened``)."""
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
        if shortened(text):
            raise ValidationError(SHORTENED_MESSAGE, code="invalid_mobile")
        if not _one_number(text):
            raise ValidationError(_("Enter a valid Indian mobile number."), code="invalid_mobile")
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


_OTHER_TYPES = {
    phonenumbers.PhoneNumberType.TOLL_FREE: _("a toll-free number"),
    phonenumbers.PhoneNumberType.PREMIUM_RATE: _("a premium-rate number"),
    phonenumbers.PhoneNumberType.SHARED_COST: _("a shared-cost number"),
    phonenumbers.PhoneNumberType.VOIP: _("an internet (VoIP) number"),
    phonenumbers.PhoneNumberType.UAN: _("a company's universal number"),
    phonenumbers.PhoneNumberType.PAGER: _("a pager number"),
    phonenumbers.PhoneNumberType.PERSONAL_NUMBER: _("a personal forwarding number"),
    phonenumbers.PhoneNumberType.VOICEMAIL: _("a voicemail number"),
}


#: A mobile's national number: ten digits (phonenumbers' Indian metadata).
MOBILE_DIGITS = 10


class Typed(enum.Enum):
    """Where a refused number came from, which decides how a refusal tells what to do."""

    FILE = "file"  # a cell of an imported spreadsheet (HR)
    FORM = "form"  # HR's form for an employee
    OWN = "own"  # the employee's own number, typed on their phone


def mobile_refusal(value: str, typed: Typed = Typed.FILE) -> str | None:
    """Why ``value`` is not an Indian mobile ``normalize_indian_mobile`` accepts, for people
    (None if it is one): shortened by a spreadsheet, ambiguous, too short, too long, not
    Indian, a landline (with its area, from phonenumbers' geocoder), another kind of line, or a
    range no operator has been given; what to do is said for where it was ``typed``. The same
    rules as ``normalize_indian_mobile``, which stays the fast path; this runs only for numbers
    it refused."""
    text = str(value).strip()
    if shortened(text):
        if typed is Typed.FILE:
            return str(SHORTENED_MESSAGE)
        return gettext(
            "This looks like a number a spreadsheet shortened (scientific notation or decimals): "
            "type the whole number, digits only."
        )
    if not _one_number(text):
        if typed is Typed.FILE:
            return gettext("Not one phone number: put a single mobile in the cell, digits only.")
        return gettext("Not one phone number: type a single mobile number, digits only.")
    try:
        number = phonenumbers.parse(text, "IN")
    except phonenumbers.NumberParseException as exc:
        if exc.error_type == phonenumbers.NumberParseException.TOO_LONG:
            return gettext("Too long for a mobile number: an Indian mobile has 10 digits.")
        if exc.error_type in (
            phonenumbers.NumberParseException.TOO_SHORT_NSN,
            phonenumbers.NumberParseException.TOO_SHORT_AFTER_IDD,
        ):
            return gettext("Too short for a mobile number: an Indian mobile has 10 digits.")
        return gettext("Not a phone number.")
    if number.country_code != 91:
        country = geocoder.country_name_for_number(number, _language())
        return gettext(
            "Not an Indian number (+%(code)s%(country)s): CoWIN sends the OTP to Indian mobiles only."
        ) % {"code": number.country_code, "country": f", {country}" if country else ""}
    if not number.national_number:
        return gettext("Not a phone number.")
    digits = len(str(number.national_number))
    kind = phonenumbers.number_type(number)
    if kind in _MOBILE_TYPES:
        return None
    if kind == phonenumbers.PhoneNumberType.FIXED_LINE:
        area = geocoder.description_for_number(number, _language())
        known = area and area != geocoder.country_name_for_number(number, _language())
        if typed is Typed.OWN:
            if known:
                return gettext(
                    "A landline (%(area)s): CoWIN sends the OTP by SMS to a mobile. Enter your mobile number."
                ) % {"area": area}
            return gettext("A landline: CoWIN sends the OTP by SMS to a mobile. Enter your mobile number.")
        if known:
            return gettext(
                "A landline (%(area)s): CoWIN sends the OTP by SMS to a mobile. Give the employee's mobile."
            ) % {"area": area}
        return gettext("A landline: CoWIN sends the OTP by SMS to a mobile. Give the employee's mobile.")
    if kind in _OTHER_TYPES:
        return gettext("%(kind)s, not a mobile: CoWIN sends the OTP by SMS to a mobile.") % {
            "kind": str(_OTHER_TYPES[kind]).capitalize()
        }
    if digits < MOBILE_DIGITS:
        return gettext("Too short: %(digits)d digits; an Indian mobile has 10.") % {"digits": digits}
    if digits > MOBILE_DIGITS:
        return gettext("Too long: %(digits)d digits; an Indian mobile has 10.") % {"digits": digits}
    return gettext("Not a number any Indian operator has issued (no mobile starts this way).")


def normalize_indian_mobile_explained(value: str, typed: Typed) -> str:
    """``normalize_indian_mobile``, refusing with why (``mobile_refusal``: too short by how
    much, a landline, not Indian...), in the words for where it was ``typed``."""
    try:
        return normalize_indian_mobile(value)
    except ValidationError as exc:
        reason = mobile_refusal(value, typed)
        if reason is None:  # the two disagree: the plain refusal stands
            raise
        raise ValidationError(reason, code="invalid_mobile") from exc


def _language() -> str:
    return (get_language() or "en").split("-")[0]


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


def masked(text: str) -> str:
    """A mobile as typed, shown with all but its last 4 characters hidden (an error message
    beside the value must not reveal the number)."""
    visible = text[-4:]
    return "•" * (len(text) - len(visible)) + visible


def last4(e164: str | None) -> str:
    """The part of a number people are shown."""
    return e164[-4:] if e164 else ""
