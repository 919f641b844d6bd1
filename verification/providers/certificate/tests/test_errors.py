"""Every refusal and review reason of the certificate verifier has its message, in English and
Hindi."""

from __future__ import annotations


def test_every_refusal_has_a_message_in_english_and_hindi():
    from django.utils import translation

    from verification.providers.certificate.errors import (
        MESSAGES,
        REVIEW_MESSAGES,
        UPLOAD_HINT,
        Reason,
        ReviewReason,
    )

    assert set(MESSAGES) == set(Reason) and set(REVIEW_MESSAGES) == set(ReviewReason)
    for message in [*MESSAGES.values(), *REVIEW_MESSAGES.values(), UPLOAD_HINT]:
        english = str(message)
        with translation.override("hi"):
            hindi = str(message)
        assert hindi != english and any("\u0900" <= ch <= "\u097f" for ch in hindi), english
