"""``python manage.py certificate_check PATH [--json]``: verify a CoWIN certificate from the shell.

PATH is a certificate.json, a QR image (PNG/JPEG), a PDF or the raw bytes of a QR code (``-``
reads standard input). The verifier is the one the upload page uses, with the same settings;
no database is needed. Exit status: 0 valid, 1 refused, 2 unreadable input.

``--json`` prints one line: valid, status, dose, total_doses, vaccine, date, name,
certificate_id, key_id, needs_review and reason (the refusal's code, or the review reasons
joined by commas; null when there is nothing to say).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from verification.providers import certificate

EXIT_VALID, EXIT_REFUSED, EXIT_UNREADABLE = 0, 1, 2


class Command(BaseCommand):
    help = "Verify a CoWIN vaccination certificate (certificate.json, PNG/JPEG, PDF or QR bytes) offline."
    requires_system_checks: list[str] = []  # needs no database; checks would only slow it down
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="certificate file, or - for standard input")
        parser.add_argument("--json", action="store_true", help="print one line of JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        as_json: bool = options["json"]
        try:
            data = sys.stdin.buffer.read() if options["path"] == "-" else Path(options["path"]).read_bytes()
        except OSError as exc:
            self._finish(as_json, None, "unreadable_file", f"Cannot read {options['path']}: {exc.strerror}.")
            sys.exit(EXIT_UNREADABLE)
        try:
            result = certificate.verify_upload(data)
        except certificate.CertificateError as exc:
            self._finish(as_json, None, exc.code, f"{exc.message} ({exc.code})")
            sys.exit(exc.exit_code)
        reason = ",".join(result.review_reasons) or None
        self._finish(as_json, result, reason, "")
        sys.exit(EXIT_VALID)

    def _finish(
        self, as_json: bool, result: certificate.CertificateResult | None, reason: str | None, message: str
    ) -> None:
        if as_json:
            self.stdout.write(json.dumps(_summary(result, reason), ensure_ascii=False))
            return
        if result is None:
            self.stderr.write(f"NOT VALID: {message}")
            return
        kind = "precaution dose" if result.precaution_dose else f"dose {result.dose} of {result.total_doses}"
        status = "fully vaccinated" if result.status == 2 else "partially vaccinated"
        self.stdout.write(
            f"VALID: {status} (status {int(result.status)}), {result.vaccine}, {kind}, "
            f"last dose {result.date.isoformat()}\n"
            f"  name: {result.name}\n  certificate id: {result.certificate_id}\n  key id: {result.key_id}"
        )
        for review in result.review_reasons:
            self.stdout.write(f"  NEEDS REVIEW: {certificate.errors.REVIEW_MESSAGES[review]}")


def _summary(result: certificate.CertificateResult | None, reason: str | None) -> dict[str, Any]:
    if result is None:
        fields: dict[str, Any] = dict.fromkeys(
            ("status", "dose", "total_doses", "vaccine", "date", "name", "certificate_id", "key_id")
        )
        return {"valid": False, **fields, "needs_review": False, "reason": reason}
    return {
        "valid": True,
        "status": int(result.status),
        "dose": result.dose,
        "total_doses": result.total_doses,
        "vaccine": result.vaccine,
        "date": result.date.isoformat(),
        "name": result.name,
        "certificate_id": result.certificate_id,
        "key_id": result.key_id,
        "needs_review": result.needs_review,
        "reason": reason,
    }
