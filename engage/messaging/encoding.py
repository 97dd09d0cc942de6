"""How many billed parts a text costs (GSM-7 vs UCS-2), so staff see the price of a
prompt in every language before it goes out."""

from __future__ import annotations

from dataclasses import dataclass

_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
#: Characters of the extension table: each costs two septets (an escape, then itself).
_GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")


@dataclass(frozen=True)
class SmsCost:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    parts: int


def sms_cost(text: str) -> SmsCost:
    """Parts billed for ``text``: GSM-7 fits 160 in one part and 153 per part when split;
    one character outside GSM-7 makes the whole text UCS-2, 70 then 67 (counted in UTF-16
    units, so an emoji takes two)."""
    if all(ch in _GSM7_BASIC or ch in _GSM7_EXTENDED for ch in text):
        units = sum(2 if ch in _GSM7_EXTENDED else 1 for ch in text)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, "UCS-2"
    if units == 0:
        return SmsCost(encoding, 0, 0)
    parts = 1 if units <= single else -(-units // multi)
    return SmsCost(encoding, units, parts)
