"""Checking the rows of an import (pure): errors by line and column, codes on several lines."""

from __future__ import annotations

from verification.employees.imports.checking import MAX_STORED_ERRORS, check_rows
from verification.employees.imports.reading import read_table
from verification.employees.imports.tests.helpers import (
    MB,
    measure,
    same_code_csv,
)


def test_row_errors_by_line_and_column():
    content = (
        "code,name,email,mobile,department\n"
        "E1,Asha,asha@example.com,9000000001,Finance\n"
        "\n"  # blank line 3: skipped, but line numbers stay those of the file
        "E2,,not-an-email,12345,\n"
        ",Ravi,ravi@example.com,+1 202 555 0100,\n"
        "E4,Bina,bina@example,5000000001,\n"
        f"E5,Chetan,chetan@example.com,,{'x' * 101}\n"
    ).encode()

    checked = check_rows(read_table("people.csv", content).rows)

    assert [r.code for r in checked.rows] == ["E1"]
    assert [(e.line, e.column) for e in checked.errors] == [
        (4, "full_name"),
        (4, "email"),
        (4, "mobile"),
        (5, "code"),
        (5, "mobile"),
        (6, "email"),
        (6, "mobile"),
        (7, "department"),
    ]
    assert checked.error_rows == 4
    assert "Indian mobile" in checked.errors[2].message


def test_a_code_twice_in_the_file_imports_neither_row():
    content = b"code,name,email\nE1,Asha,a@example.com\nE2,Bina,b@example.com\nE1,Asha V,a2@example.com\n"

    checked = check_rows(read_table("people.csv", content).rows)

    assert [r.code for r in checked.rows] == ["E2"]
    assert [(e.line, e.column) for e in checked.errors] == [(2, "code"), (4, "code")]
    assert "line(s) 4" in checked.errors[0].message
    assert "line(s) 2" in checked.errors[1].message


def test_a_code_on_many_lines_is_reported_once_for_the_group_in_linear_cost():
    with measure() as cost:
        checked = check_rows(read_table("same.csv", same_code_csv(20_000)).rows)
    assert checked.rows == [] and checked.error_rows == 20_000
    assert checked.errors.total == 20_000 and len(checked.errors) == MAX_STORED_ERRORS
    first, second = checked.errors[0], checked.errors[1]
    assert (first.line, first.column) == (2, "code")
    assert first.message == (
        "Employee code E1 is on 20,000 lines (this one and line(s) 3, 4, 5, 6, 7, …); "
        "none of them is imported."
    )
    assert (second.line, second.message) == (3, "Employee code E1 is on 20,000 lines; the first is line 2.")
    assert max(len(error.message) for error in checked.errors) < 150
    # Before: every message listed every other line (quadratic: gigabytes at this size).
    assert cost.peak_bytes < 48 * MB, cost.peak_bytes


def test_e_mail_or_mobile_is_enough_but_one_of_them_is_needed():
    content = (
        b"code,name,email,mobile\n"
        b"S1,Ramesh,,9000000001\n"  # shop floor: no e-mail, a mobile
        b"S2,Sunita,sunita@example.com,\n"
        b"S3,Nobody,,\n"
    )

    checked = check_rows(read_table("people.csv", content).rows)

    assert [(r.code, r.email, r.mobile) for r in checked.rows] == [
        ("S1", None, "+919000000001"),
        ("S2", "sunita@example.com", None),
    ]
    assert [(e.line, e.column, e.message) for e in checked.errors] == [
        (4, "email", "An e-mail or a mobile number is needed to invite them.")
    ]


def test_a_file_with_mobiles_and_no_e_mail_column_is_read():
    content = b"code,name,mobile\nS1,Ramesh,9000000001\n"
    checked = check_rows(read_table("people.csv", content).rows)
    assert [r.code for r in checked.rows] == ["S1"]
