"""Normalising what residents type, and the few words the engine understands."""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")
_SEPARATORS = re.compile(r"[\s,;/&+、，；]+")


def fold(text: str) -> str:
    """Case-, accent- and width-insensitive form: "Sí" -> "si", "KHÔNG" -> "khong".

    Control characters go; letters of every script stay (Arabic, Chinese...).
    """
    text = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    kept = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat == "Mn" or cat.startswith("C"):
            continue
        kept.append(ch)
    folded = "".join(kept).replace("đ", "d")
    folded = folded.strip(" .!?¡¿。！？،")
    return _SPACE.sub(" ", folded).strip()


def tokens(text: str) -> list[str]:
    """Split "2,4", "2 4", "2 y 4" style lists; words like "and" are dropped by callers."""
    return [t for t in _SEPARATORS.split(fold(text)) if t]


def parse_number(text: str) -> float | None:
    """A number written with any script's digits ("12", "١٢", "１２", "3,5")."""
    cleaned = fold(text).replace(" ", "")
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        return None
    if value != value or value in (float("inf"), float("-inf")):
        return None
    return value


YES_WORDS = frozenset(fold(w) for w in (
    "yes", "y", "yeah", "yep", "sí", "si", "s", "có", "co", "vâng", "oo", "opo", "是", "是的",
    "对", "對", "نعم", "ايوه", "أجل", "haa", "ha", "네", "예", "oui", "da",
))
NO_WORDS = frozenset(fold(w) for w in (
    "no", "n", "nope", "không", "khong", "ko", "hindi", "否", "不", "不是", "没有", "沒有",
    "لا", "maya", "아니요", "아니오", "non", "nu",
))
#: Joiners dropped from lists like "2 and 4", "2 y 4", "2 và 4".
JOINERS = frozenset(fold(w) for w in ("and", "y", "e", "và", "va", "at", "和", "و", "iyo", "및"))
