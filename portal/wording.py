"""Django's own messages that Django's Hindi catalogue words badly or not at all, given the
project's words in locale/<lang>/LC_MESSAGES/django.po (LOCALE_PATHS, read before Django's own
catalogues), from the marks below (so that makemessages keeps them).

Django's Hindi for "Enter a valid email address." is "वैध डाक पता प्रविष्ट करें": a valid
*postal* address, on every e-mail field (an employee's, a teammate's, the sign-up's); "This
field is required." is "यह क्षेत्र अपेक्षित हैं" ("this area are expected"), a wrong choice
"मान्य इच्छा चयन करें" ("choose a valid wish"); the password rules under every new password,
their refusals and the length limits had no Hindi at all (English on a Hindi page).
"""

from django.utils.translation import gettext_noop, ngettext_lazy

#: Messages of Django's form fields and validators; the catalogue's words for them are ours.
DJANGO_MESSAGES = (
    gettext_noop("This field is required."),
    gettext_noop("Enter a valid email address."),
    gettext_noop("email address"),
    gettext_noop("Select a valid choice. %(value)s is not one of the available choices."),
    gettext_noop("The submitted file is empty."),
    gettext_noop("Enter a whole number."),
    gettext_noop("Enter a number."),
    gettext_noop("Enter a valid date."),
    gettext_noop("Enter a valid URL."),
    gettext_noop("Null characters are not allowed."),
    gettext_noop("Enter the same password as before, for verification."),
    gettext_noop("The password is too similar to the %(verbose_name)s."),
    gettext_noop("Your password can’t be too similar to your other personal information."),  # noqa: RUF001 (Django's msgid)
    gettext_noop("This password is too common."),
    gettext_noop("Your password can’t be a commonly used password."),  # noqa: RUF001 (Django's msgid)
    gettext_noop("This password is entirely numeric."),
    gettext_noop("Your password can’t be entirely numeric."),  # noqa: RUF001 (Django's msgid)
)

#: The same, with a number in them (singular, plural, the number's name).
DJANGO_COUNTED_MESSAGES = (
    ngettext_lazy(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
    ngettext_lazy(
        "Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        "min_length",
    ),
    ngettext_lazy(
        "Your password must contain at least %(min_length)d character.",
        "Your password must contain at least %(min_length)d characters.",
        "min_length",
    ),
)
