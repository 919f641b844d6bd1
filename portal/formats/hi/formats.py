"""Hindi: "1 दिसंबर 2026, 11:54 पूर्वाह्न" (see portal/formats/__init__.py). Month names are
Django's "alt." forms (``E``), which are spelled as Hindi writes them; its short forms are not
in use in Hindi."""

DATE_FORMAT = "j E Y"
TIME_FORMAT = "g:i a"
DATETIME_FORMAT = "j E Y, g:i a"
SHORT_DATE_FORMAT = "j E Y"
SHORT_DATETIME_FORMAT = "j E Y, g:i a"
MONTH_DAY_FORMAT = "j E"
YEAR_MONTH_FORMAT = "E Y"
FIRST_DAY_OF_WEEK = 1  # Monday
