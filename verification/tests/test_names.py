"""The name matcher (verification/names.py): real Indian name pairs, each tried both ways."""

from __future__ import annotations

import pytest

from verification.names import Reason, Verdict, names_match, spelling_key

# (on file, given, the loosest rule the match needs)
MATCHES = [
    ("Ravi Kumar", "Ravi Kumar", Reason.SAME),
    ("Ravi Kumar", "RAVI KUMAR", Reason.SAME),
    ("Ravi Kumar", "  ravi   kumar ", Reason.SAME),
    ("Anjali Gupta", "Anjali-Gupta", Reason.SAME),
    ("Rohan D'Souza", "Rohan DSouza", Reason.SAME),
    ("Rohan D\u2019Souza", "rohan dsouza", Reason.SAME),  # a typographic apostrophe
    ("Zoë Fernandes", "Zoe Fernandes", Reason.SAME),
    ("Ravi Kumar", "Mr. Ravi Kumar", Reason.HONORIFIC),
    ("Ravi Kumar", "Shri Ravi Kumar", Reason.HONORIFIC),
    ("Ravi Kumar", "Sri Ravi Kumar", Reason.HONORIFIC),
    ("Ravi Kumar", "Sh. Ravi Kumar", Reason.HONORIFIC),
    ("Priya Sharma", "Smt. Priya Sharma", Reason.HONORIFIC),
    ("Priya Sharma", "Mrs Priya Sharma", Reason.HONORIFIC),
    ("Priya Sharma", "Ms. Priya Sharma", Reason.HONORIFIC),
    ("Meera Nair", "Kumari Meera Nair", Reason.HONORIFIC),
    ("Anjali Gupta", "Dr. Anjali Gupta", Reason.HONORIFIC),
    ("Anjali Gupta", "Dr Smt Anjali Gupta", Reason.HONORIFIC),
    ("Ravi Kumar", "Kumar Ravi", Reason.WORD_ORDER),
    ("Lakshmi Iyer", "Iyer Lakshmi", Reason.WORD_ORDER),
    ("Venkatesh Subramanian", "Subramanian Venkatesh", Reason.WORD_ORDER),
    ("Priya Sharma", "Priyaa Sharma", Reason.SPELLING),
    ("Sunil Das", "Suneel Das", Reason.SPELLING),
    ("Sunil Das", "Sunil Dass", Reason.SPELLING),
    ("Meera Nair", "Mira Nair", Reason.SPELLING),
    ("Pooja Patel", "Puja Patel", Reason.SPELLING),
    ("Deepak Sharma", "Dipak Sarma", Reason.SPELLING),
    ("Vijay Verma", "Wijay Werma", Reason.SPELLING),
    ("Vishwanath Rao", "Viswanath Rao", Reason.SPELLING),
    ("Phanindra Reddy", "Fanindra Reddy", Reason.SPELLING),
    ("Prathap Reddy", "Pratap Reddy", Reason.SPELLING),
    ("Siddharth Jain", "Siddhartha Jain", Reason.SPELLING),
    ("Lakshmi Iyer", "Laxmi Iyer", Reason.SPELLING),
    ("Lakshmi Iyer", "Lakshmi Iyyer", Reason.SPELLING),
    ("Gaurav Singh", "Gourav Singh", Reason.SPELLING),
    ("Shubham Mishra", "Subham Misra", Reason.SPELLING),
    ("Chhaya Joshi", "Chaya Joshi", Reason.SPELLING),
    ("Arif Qureshi", "Arif Kureshi", Reason.SPELLING),
    ("Bhavna Kapoor", "Bhavana Kapur", Reason.SPELLING),
    ("Ramachandran Pillai", "Ramchandran Pillai", Reason.SPELLING),
    ("Venkataraman Iyer", "Venkatraman Iyer", Reason.SPELLING),
    ("Yashwant Patil", "Yashwanth Patil", Reason.SPELLING),
    ("Mohammed Imran Khan", "Md. Imran Khan", Reason.SPELLING),
    ("Mohammed Imran Khan", "Mohd Imran Khan", Reason.SPELLING),
    ("Mohammad Imran Khan", "Muhammad Imran Khan", Reason.SPELLING),
    ("Ravi Kumar Singh", "Ravi Kr. Singh", Reason.SPELLING),
    ("Ram Prasad Yadav", "Ram Pd. Yadav", Reason.SPELLING),
    ("Ravi Kumar", "R. Kumar", Reason.INITIALS),
    ("Ravi Kumar", "R Kumar", Reason.INITIALS),
    ("Ravi Kumar", "Ravi K.", Reason.INITIALS),
    ("Ravi Kumar Sharma", "R.K. Sharma", Reason.INITIALS),
    ("Ravi Kumar Sharma", "R. K. Sharma", Reason.INITIALS),
    ("Ravi Kumar Sharma", "RK Sharma", Reason.INITIALS),
    ("Subramanian Venkatesh", "S. Venkatesh", Reason.INITIALS),
    ("Ravi Kumar Sharma", "Ravi Sharma", Reason.MIDDLE_NAME),
    ("Mohammed Imran Khan", "Imran Khan", Reason.MIDDLE_NAME),
    ("Sachin Ramesh Tendulkar", "Sachin Tendulkar", Reason.MIDDLE_NAME),
    ("राम कुमार", "राम कुमार", Reason.SAME),
    ("राम कुमार", "श्री राम कुमार", Reason.HONORIFIC),
    ("सीता देवी", "श्रीमती सीता देवी", Reason.HONORIFIC),
]

# (on file, given, why not)
MISMATCHES = [
    ("Ravi Kumar", "Ravi Sharma", Reason.DIFFERENT_WORDS),
    ("Ravi Kumar", "Rahul Kumar", Reason.DIFFERENT_WORDS),
    ("Priya Sharma", "Priyanka Sharma", Reason.DIFFERENT_WORDS),
    ("Anjali Gupta", "Anjana Gupta", Reason.DIFFERENT_WORDS),
    ("Sunil Das", "Anil Das", Reason.DIFFERENT_WORDS),
    ("Imran Khan", "Irfan Khan", Reason.DIFFERENT_WORDS),
    ("Meera Nair", "Meena Nair", Reason.DIFFERENT_WORDS),
    ("Rahul Verma", "Rohit Verma", Reason.DIFFERENT_WORDS),
    ("Amit Shah", "Amita Shah", Reason.DIFFERENT_WORDS),
    ("Deepa Menon", "Deepak Menon", Reason.DIFFERENT_WORDS),
    ("Kamal Singh", "Komal Singh", Reason.DIFFERENT_WORDS),
    ("Priya Kumari", "Priya Kumar", Reason.DIFFERENT_WORDS),
    ("Ravi Kumar", "Ravi", Reason.DIFFERENT_WORDS),  # two words: none may be missing
    ("Ravi Kumar Sharma", "Ravi", Reason.DIFFERENT_WORDS),
    ("Ravi Kumar Sharma", "Ravi Kumar Verma", Reason.DIFFERENT_WORDS),
    ("Ravi Kumar", "Vikram Seth", Reason.DIFFERENT_WORDS),
    ("Ravi Kumar", "R. K.", Reason.ONLY_INITIALS),
    ("Ravi Kumar", "X. Kumar", Reason.DIFFERENT_WORDS),
    ("Ravi Kumar", "Mr.", Reason.DIFFERENT_WORDS),  # a title alone is not a name
    ("Ravi Kumar", "", Reason.EMPTY),
    ("Ravi Kumar", " . - ", Reason.EMPTY),
    ("Ram Kumar", "राम कुमार", Reason.DIFFERENT_SCRIPTS),
    ("राम कुमार", "श्याम कुमार", Reason.DIFFERENT_WORDS),
]


@pytest.mark.parametrize(("on_file", "given", "reason"), MATCHES)
def test_names_that_match_match_both_ways(on_file: str, given: str, reason: Reason) -> None:
    result = names_match(on_file, given)
    assert result.verdict == Verdict.MATCH and result.matches and bool(result), (on_file, given, result)
    assert result.reason == reason, (on_file, given, result)
    assert not result.rules or result.rules[-1] == reason
    assert names_match(given, on_file).matches, (given, on_file)


@pytest.mark.parametrize(("on_file", "given", "reason"), MISMATCHES)
def test_names_that_differ_do_not_match_either_way(on_file: str, given: str, reason: Reason) -> None:
    result = names_match(on_file, given)
    assert result.verdict == Verdict.MISMATCH and not result, (on_file, given, result)
    assert result.reason == reason and result.rules == ()
    assert not names_match(given, on_file).matches, (given, on_file)


def test_the_reason_lists_every_rule_used_loosest_last() -> None:
    result = names_match("Ravi Kumar Sharma", "Dr. Sarma R. Kumar")
    assert result.rules == (Reason.HONORIFIC, Reason.WORD_ORDER, Reason.SPELLING, Reason.INITIALS)
    assert result.reason == Reason.INITIALS
    # One word matching in full and an initial are not enough when a word is missing.
    assert not names_match("Ravi Kumar Sharma", "Sarma R.")


def test_an_initial_stands_for_one_word_only() -> None:
    # Two initials cannot both take the one word "Ravi"; "Kumar" is then left without a partner.
    assert not names_match("Ravi Kumar", "R. R. Sharma")
    assert names_match("Ravi Rajan Kumar", "R. R. Kumar").reason == Reason.INITIALS


def test_spelling_keys_fold_the_listed_variants() -> None:
    pairs = [
        ("aa", "a"),
        ("ee", "i"),
        ("oo", "u"),
        ("w", "v"),
        ("sh", "s"),
        ("ph", "f"),
        ("th", "t"),
        ("ll", "l"),
    ]
    for variant, common in pairs:
        assert spelling_key(f"k{variant}r") == spelling_key(f"k{common}r"), variant
