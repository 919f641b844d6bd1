"""What the tests of bulk import share (not a test file): the upload page and its jobs, files
built to order (workbooks, hostile ZIPs, duplicate codes), and the cost of a block of code."""

from __future__ import annotations

import gc
import io
import time
import tracemalloc
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import openpyxl
import psutil
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from portal.testing import OrgFixture
from verification.models import Employee, ImportJob

UPLOAD = "/employees/import/"


def job_url(job_id: int) -> str:
    return f"{UPLOAD}{job_id}/"


def upload(client: Client, name: str, content: bytes):  # type: ignore[no-untyped-def]
    return client.post(UPLOAD, {"file": SimpleUploadedFile(name, content)})


def latest_job(org: OrgFixture) -> ImportJob:
    with schema_context(org.schema_name):
        job = ImportJob.objects.order_by("-pk").first()
    assert job is not None
    return job


def codes(org: OrgFixture) -> dict[str, Employee]:
    with schema_context(org.schema_name):
        return {e.code: e for e in Employee.objects.all()}


def form_errors(response) -> list[str]:  # type: ignore[no-untyped-def]
    return [str(e) for e in response.context["form"].errors.get("file", [])]


def xlsx_of(rows: Sequence[Sequence[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def zip_with(name: str) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(name, "<x/>")
    return out.getvalue()


WORKBOOK_EMPTY_SHEETS = b"<sheets/>"


def rezip(content: bytes, **parts: bytes | None) -> bytes:
    """``content`` (a workbook) with some parts replaced (None drops one); keys use ``__``
    for ``/`` and ``_dot_`` for ``.``, e.g. ``xl__sharedStrings_dot_xml``."""
    names = {key.replace("__", "/").replace("_dot_", "."): value for key, value in parts.items()}
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(content)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            if info.filename in names:
                replacement = names[info.filename]
                if replacement is not None:
                    target.writestr(info.filename, replacement)
            else:
                target.writestr(info.filename, source.read(info))
    return out.getvalue()


SST_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"

MAIN_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def sst_xlsx(rows: list[list[str]], *, filler: int = 0) -> bytes:
    """A workbook whose cells are all shared strings (as Excel writes them), with ``filler``
    more entries in its shared-strings table (the pen test's 167 KB file had 4 million),
    streamed into the ZIP so the test never holds the table whole."""
    texts: dict[str, int] = {}
    sheet = [b'<worksheet xmlns="' + MAIN_NS + b'"><sheetData>']
    for number, row in enumerate(rows, start=1):
        sheet.append(b'<row r="%d">' % number)
        for text in row:
            index = texts.setdefault(text, len(texts))
            sheet.append(b'<c t="s"><v>%d</v></c>' % index)
        sheet.append(b"</row>")
    sheet.append(b"</sheetData></worksheet>")
    base = xlsx_of([["x"]])
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(base)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/sharedStrings.xml" ContentType="' + SST_TYPE + b'"/></Types>',
                )
            elif info.filename == "xl/worksheets/sheet1.xml":
                data = b"".join(sheet)
            target.writestr(info.filename, data)
        with target.open("xl/sharedStrings.xml", "w") as part:
            part.write(b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="' + MAIN_NS + b'">')
            for text in texts:
                part.write(b"<si><t>" + text.encode() + b"</t></si>")
            chunk = b"<si><t>x</t></si>" * 100_000
            for _ in range(filler // 100_000):
                part.write(chunk)
            part.write(b"</sst>")
    return out.getvalue()


def shared_strings_bomb() -> bytes:
    return sst_xlsx([["code", "name", "email"], ["E1", "Asha", "a@example.com"]], filler=4_000_000)


class Measured:
    peak_bytes = 0
    rss_growth = 0
    seconds = 0.0


@contextmanager
def measure() -> Iterator[Measured]:
    """Python allocation peak (tracemalloc), RSS growth and wall time of the block."""
    measured = Measured()
    process = psutil.Process()
    gc.collect()
    rss = process.memory_info().rss
    tracemalloc.start()
    started = time.perf_counter()
    try:
        yield measured
    finally:
        measured.seconds = time.perf_counter() - started
        measured.peak_bytes = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        measured.rss_growth = process.memory_info().rss - rss


MB = 1024 * 1024


def same_code_csv(rows: int) -> bytes:
    return ("code,name,email\n" + "".join(f"E1,Person {i},p{i}@example.com\n" for i in range(rows))).encode()


def raw_content(org: OrgFixture, job_id: int) -> bytes:
    with schema_context(org.schema_name), connection.cursor() as cursor:
        cursor.execute("SELECT content FROM verification_importjob WHERE id = %s", [job_id])
        return bytes(cursor.fetchone()[0])


PEOPLE = b"code,name,email,mobile\nK1,Asha,a@example.com,9000000001\nK2,Bina,b@example.com,9000000002\n"
