"""Phone numbers as people read them back over the counter."""

from __future__ import annotations

_ONE_DIGIT_CODES = frozenset({"1", "7"})
# Country codes of two digits (ITU-T E.164); every other code has three.
_TWO_DIGIT_CODES = frozenset(
    str(code)
    for code in (
        *(20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49),
        *(51, 52, 53, 54, 55, 56, 57, 58, 60, 61, 62, 63, 64, 65, 66, 81, 82, 84, 86),
        *(90, 91, 92, 93, 94, 95, 98),
    )
)


def phone_text(phone: str) -> str:
    """Digits in groups a person can read back: "+46694511288" -> "+46 694 511 288".

    Only for display; the stored number and the search use the digits alone."""
    digits = phone.lstrip("+")
    if not digits.isdigit() or len(digits) < 7:
        return phone
    head = ""
    if phone.startswith("+"):
        size = 1 if digits[0] in _ONE_DIGIT_CODES else 2 if digits[:2] in _TWO_DIGIT_CODES else 3
        head, digits = f"+{digits[:size]} ", digits[size:]
    groups = []
    while len(digits) > 4:
        groups.append(digits[:3])
        digits = digits[3:]
    groups.append(digits)
    return head + " ".join(groups)
