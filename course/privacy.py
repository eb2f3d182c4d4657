"""Personal data in residents' free text: the My Number check digit, and redaction before anything is logged or sent.

    >>> redact_personal_data("call me on 090-1234-5678")
    'call me on [PHONE]'
"""

from __future__ import annotations

import re

__all__ = ["is_my_number", "my_number_check_digit", "redact_personal_data"]


_DIGIT = r"\d"  # Python's \d also matches full-width digits (０-９), which Japanese forms often use
_SEP = r"[-－ ]"  # a hyphen, a full-width hyphen or a space
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_MY_NUMBER = re.compile(rf"(?<!\d)(?:\d{{12}}|\d{{4}}(?P<sep>{_SEP})\d{{4}}(?P=sep)\d{{4}})(?!\d)")
_PHONE = re.compile(
    rf"(?<![\d+])(?:[0０]\d{{9,10}}|(?:\+81{_SEP}?\d{{1,4}}|[0０]\d{{1,4}}){_SEP}\d{{1,4}}{_SEP}\d{{3,4}})(?!\d)"
)
_SEPARATORS = str.maketrans("", "", "-－ ")


def my_number_check_digit(first_eleven: str) -> int:
    """The check digit of an individual number (My Number), from its first 11 digits.

    The rule of the MIC ordinance (平成26年総務省令第85号, article 5): with P_n the n-th
    digit counted from the right of the 11 digits and Q_n = n + 1 for n = 1..6 and
    n - 5 for n = 7..11, the remainder r = (sum of P_n * Q_n) mod 11 gives the check
    digit 11 - r, or 0 when r <= 1.

    Args:
        first_eleven: 11 digits as text (half- or full-width).

    Returns:
        The check digit, 0 to 9.

    Raises:
        ValueError: the text is not exactly 11 digits.
    """
    if not isinstance(first_eleven, str) or not re.fullmatch(r"\d{11}", first_eleven):
        raise ValueError(f"first_eleven must be 11 digits as text, such as '12345678901', not {first_eleven!r}.")
    digits = [int(d) for d in reversed(first_eleven)]  # P_1 is the rightmost digit
    total = sum(p * (n + 1 if n <= 6 else n - 5) for n, p in enumerate(digits, start=1))
    remainder = total % 11
    return 0 if remainder <= 1 else 11 - remainder


def is_my_number(text: object) -> bool:
    """Whether text is a well-formed individual number: 12 digits with the right check digit.

    Spaces and hyphens (also full-width hyphens) are ignored, so "1234 5678 9018" is read
    as "123456789018". Digits may be half- or full-width. A valid check digit does not
    prove that the number was ever assigned to anyone.

    Args:
        text: the number as text.

    Returns:
        True if, without separators, it is exactly 12 digits and the last one is the
        check digit of the first 11; False otherwise (also for anything that is not text).
    """
    if not isinstance(text, str):
        return False
    digits = text.translate(_SEPARATORS)
    if not re.fullmatch(r"\d{12}", digits):
        return False
    return my_number_check_digit(digits[:11]) == int(digits[11])


def _digit_count(text: str) -> int:
    return sum(ch.isdecimal() for ch in text)


def _phone_or_keep(match: re.Match) -> str:
    found = match.group(0)
    digits = _digit_count(found)
    if found.startswith("+81"):
        return "[PHONE]" if digits - 2 in (9, 10) else found
    return "[PHONE]" if digits in (10, 11) else found


def redact_personal_data(text: str) -> str:
    """Replace e-mail addresses, individual numbers and phone numbers with placeholders.

    In this order: e-mail addresses become "[EMAIL]"; 12-digit numbers (written as one
    block, or as three blocks of 4 with the same hyphen or space between them) whose
    check digit is right become "[MY_NUMBER]" (12 digits with a wrong check digit are
    left alone: they are more likely a receipt or reference number); phone numbers (10
    or 11 digits starting with 0, in one block or three groups; or +81 and the number
    without its first 0) become "[PHONE]". A number that is part of a longer run of
    digits is never replaced. Digits may be half- or full-width. Everything else is kept
    exactly as it was.

    Args:
        text: free text typed by a resident.

    Returns:
        The text with the personal data replaced.

    Raises:
        TypeError: text is not a string.
    """
    if not isinstance(text, str):
        raise TypeError(f"redact_personal_data needs text (a str), not {type(text).__name__}.")
    text = _EMAIL.sub("[EMAIL]", text)
    text = _MY_NUMBER.sub(lambda m: "[MY_NUMBER]" if is_my_number(m.group(0)) else m.group(0), text)
    return _PHONE.sub(_phone_or_keep, text)
