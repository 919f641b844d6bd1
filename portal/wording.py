"""Django's own messages that Django's Hindi catalogue words badly, given the project's words
in locale/<lang>/LC_MESSAGES/django.po (LOCALE_PATHS, read before Django's own catalogues),
from the marks below (so that makemessages keeps them).

Django's Hindi for "Enter a valid email address." is "वैध डाक पता प्रविष्ट करें": a valid
*postal* address, on every e-mail field (an employee's, a teammate's, the sign-up's); "This
field is required." is "यह क्षेत्र अपेक्षित हैं" ("this area are expected"), and a wrong choice
"मान्य इच्छा चयन करें" ("choose a valid wish").
"""

from django.utils.translation import gettext_noop

#: Messages of Django's form fields and validators; the catalogue's words for them are ours.
DJANGO_MESSAGES = (
    gettext_noop("This field is required."),
    gettext_noop("Enter a valid email address."),
    gettext_noop("Select a valid choice. %(value)s is not one of the available choices."),
    gettext_noop("The submitted file is empty."),
    gettext_noop("Enter a whole number."),
    gettext_noop("Enter a number."),
    gettext_noop("Enter a valid date."),
    gettext_noop("Enter a valid URL."),
)
