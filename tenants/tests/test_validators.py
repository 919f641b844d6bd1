import pytest
from django.core.exceptions import ValidationError

from tenants.validators import has_control_characters, validate_plain_text


@pytest.mark.parametrize(
    "value", ["D'Souza & Sons", "राम कुमार", "क्‍ष", "Acme\u200cWorks", "Zoë Ñúñez", "O\u2019Brien"]
)
def test_names_people_write_are_plain_text(value: str) -> None:
    assert not has_control_characters(value)
    validate_plain_text(value)


@pytest.mark.parametrize(
    "value", ["Acme\r\nBcc: x@y.z", "Acme\n", "a\tb", "nul\x00", "c1\x85", "evil\u202etxt.exe", "a\u2028b"]
)
def test_control_characters_are_refused(value: str) -> None:
    assert has_control_characters(value)
    with pytest.raises(ValidationError) as excinfo:
        validate_plain_text(value)
    assert excinfo.value.code == "control_characters"
