"""English: "1 Dec 2026, 11:54 am" (see portal/formats/__init__.py)."""

DATE_FORMAT = "j M Y"
TIME_FORMAT = "g:i a"
DATETIME_FORMAT = "j M Y, g:i a"
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, g:i a"
MONTH_DAY_FORMAT = "j M"
YEAR_MONTH_FORMAT = "M Y"
FIRST_DAY_OF_WEEK = 1  # Monday
