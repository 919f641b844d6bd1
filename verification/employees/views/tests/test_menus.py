"""The directory's filter menus, put together once per page (views/menus.py), read as the
template loop over every option rendered them."""

from __future__ import annotations

from django.template import engines
from django.utils import translation
from django.utils.translation import gettext_lazy

from verification.employees.views.menus import filter_menus

#: The loop the menus were rendered with, option by option.
LOOP = engines["django"].from_string(
    '{% for option, label in choices %}<option value="{{ option }}"{% if option == value %} selected'
    "{% endif %}>{{ label }}</option>{% endfor %}"
)


def test_each_menu_reads_as_the_option_loop_renders_it_whatever_its_names_hold():
    choices: dict[str, list[tuple[str, object]]] = {
        "department": [
            ("", gettext_lazy("All")),
            ("Ops", "Ops"),
            ('R&D "Labs" <west>', 'R&D "Labs" <west>'),
            ("\ue000label\ue001", "\ue000value\ue001"),  # RowMarkup's markers, typed into a name
            ("वित्त", "वित्त"),
        ],
        "active": [
            ("", gettext_lazy("All")),
            ("yes", gettext_lazy("Active")),
            ("no", gettext_lazy("Inactive")),
        ],
    }
    for values in ({}, {"department": 'R&D "Labs" <west>', "active": "no"}, {"department": "वित्त"}):
        for language in ("en", "hi"):
            with translation.override(language):
                menus = filter_menus(choices, values)
                for name, options in choices.items():
                    expected = LOOP.render({"choices": options, "value": values.get(name, "")})
                    assert menus[name] == expected, (name, values, language)
    assert (
        'value="R&amp;D &quot;Labs&quot; &lt;west&gt;" selected'
        in filter_menus(choices, {"department": 'R&D "Labs" <west>'})["department"]
    )
