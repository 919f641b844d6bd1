"""Date and time formats of the two languages (FORMAT_MODULE_PATH): one Indian format
everywhere, day before month, the month in words, a 12-hour clock with am/pm:
"1 Dec 2026, 11:54 am" and "1 दिसंबर 2026, 11:54 पूर्वाह्न".

Django's own catalogues say "a.m."/"p.m." in English and "बजे" for both in Hindi (so a Hindi
time had no am/pm at all): the words for the ``a`` format character are ours, in
locale/<lang>/LC_MESSAGES/django.po, from the marks below.
"""

from django.utils.translation import gettext_noop

#: Django's dateformat translates these for the ``a`` format character.
MERIDIEM = (gettext_noop("a.m."), gettext_noop("p.m."))
