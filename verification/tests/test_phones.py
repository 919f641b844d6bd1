"""Indian mobile numbers as people type and paste them: what is accepted, and why the rest is
refused, in the words for where it was typed (a file, HR's form, the employee's own phone)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from verification.phones import (
    Typed,
    mobile_refusal,
    normalize_indian_mobile,
    normalize_indian_mobile_explained,
)

ACCEPTED = {
    "9876543210": "+919876543210",
    " 98765 43210 ": "+919876543210",
    "+91-98765-43210": "+919876543210",
    "098765 43210": "+919876543210",
    "+91 (98765) 43210": "+919876543210",
}
REFUSED = (
    "12345",
    "98765432101",
    "020 2612 3456",
    "+1 415 555 2671",
    "9.87654E+09",
    "Mob: 9876543210",  # words beside it
    "98765 43210, 98765",  # a second number beside it: phonenumbers would keep the first
    "9876543210 ext 12",
    "9876543210/9876543211",
    "+91+9876543210",
)


@pytest.mark.parametrize(("typed", "e164"), ACCEPTED.items())
def test_a_mobile_however_written_is_accepted_and_has_no_refusal(typed, e164):
    assert normalize_indian_mobile(typed) == e164
    assert mobile_refusal(typed) is None


@pytest.mark.parametrize("typed", REFUSED)
def test_what_is_refused_has_a_reason_and_the_two_agree(typed):
    with pytest.raises(ValidationError):
        normalize_indian_mobile(typed)
    for where in Typed:
        assert mobile_refusal(typed, where), (typed, where)
        with pytest.raises(ValidationError) as refused:
            normalize_indian_mobile_explained(typed, where)
        assert refused.value.messages == [mobile_refusal(typed, where)]


def test_what_to_do_is_said_for_where_the_number_was_typed():
    landline = "020 2612 3456"
    assert mobile_refusal(landline, Typed.FILE).endswith("Give the employee's mobile.")  # type: ignore[union-attr]
    assert mobile_refusal(landline, Typed.FORM).endswith("Give the employee's mobile.")  # type: ignore[union-attr]
    assert mobile_refusal(landline, Typed.OWN).endswith("Enter your mobile number.")  # type: ignore[union-attr]
    assert "cell" in str(mobile_refusal("Mob: 9876543210", Typed.FILE))
    assert "cell" not in str(mobile_refusal("Mob: 9876543210", Typed.OWN))
    assert "upload the file" in str(mobile_refusal("9.87654E+09", Typed.FILE))
    assert "file" not in str(mobile_refusal("9.87654E+09", Typed.FORM))
