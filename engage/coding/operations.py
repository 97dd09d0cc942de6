"""Every change to themes and codings: plain functions that flush, never commit."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Protocol

from sqlalchemy import delete, select

from engage.coding.models import AnswerTheme, Theme
from engage.core.errors import DomainError
from engage.core.i18n import _l, language_name
from engage.engine.words import fold
from engage.extensions import db
from engage.responses.models import Answer, Response
from engage.surveys.models import Survey

THEME_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
KEYWORD_SEPARATORS = re.compile(r"[,;、，；]")
MAX_KEYWORD = 100
#: Scripts written without spaces between words: a keyword matches anywhere in them.
_UNSPACED = ("CJK", "HIRAGANA", "KATAKANA", "THAI", "LAO", "KHMER", "MYANMAR")
#: Hangul words take particles at their end ("교통이"): a keyword matches a word's start.
_SUFFIXED = ("HANGUL",)


class Keyworded(Protocol):
    id: int
    keywords: Mapping[str, Sequence[str]]


def split_keywords(text: str | None) -> list[str]:
    """``"bus, tránsito；公交"`` -> ``["bus", "tránsito", "公交"]``."""
    return [k.strip() for k in KEYWORD_SEPARATORS.split(text or "") if k.strip()]


def _clean_keywords(survey: Survey, keywords: Mapping[str, Iterable[str] | str]) -> dict[str, list[str]]:
    """Keywords of the survey's languages only, trimmed, without repeats (once folded)."""
    cleaned: dict[str, list[str]] = {}
    for code in survey.locales:
        raw = keywords.get(code) or []
        words = split_keywords(raw) if isinstance(raw, str) else [w.strip() for w in raw]
        seen: set[str] = set()
        kept = []
        for word in words:
            folded = fold(word.rstrip("*"))
            if not folded or folded in seen:
                continue
            if len(word) > MAX_KEYWORD:
                raise DomainError(_l("A keyword is at most %(n)d characters long.", n=MAX_KEYWORD))
            seen.add(folded)
            kept.append(word)
        if kept:
            cleaned[code] = kept
    return cleaned


def create_theme(survey: Survey, slug: str, names: Mapping[str, str],
                 keywords: Mapping[str, Iterable[str] | str]) -> Theme:
    """A theme of ``survey``, named in its languages (the default one at least)."""
    errors: list[object] = []
    slug = (slug or "").strip().lower()
    if not THEME_SLUG_RE.match(slug):
        errors.append(_l("The code must be 1 to 64 lower-case letters, digits, dashes or underscores."))
    elif db.session.scalar(select(Theme.id).where(Theme.survey_id == survey.id, Theme.slug == slug)):
        errors.append(_l("This survey already has a theme with the code %(slug)s.", slug=slug))
    cleaned_names = {code: names[code].strip() for code in survey.locales
                     if (names.get(code) or "").strip()}
    if survey.default_locale not in cleaned_names:
        errors.append(_l("Give the theme a name in %(language)s.",
                         language=language_name(survey.default_locale)))
    if errors:
        raise DomainError(*errors)
    theme = Theme(survey_id=survey.id, slug=slug, name=cleaned_names,
                  keywords=_clean_keywords(survey, keywords))
    db.session.add(theme)
    db.session.flush()
    return theme


def update_keywords(theme: Theme, keywords: Mapping[str, Iterable[str] | str]) -> Theme:
    """Replace the theme's keywords (``{locale: [words]}`` or ``{locale: "a, b"}``)."""
    survey = db.session.get(Survey, theme.survey_id)
    assert survey is not None
    theme.keywords = _clean_keywords(survey, keywords)
    db.session.flush()
    return theme


def code_answer(answer_id: int, theme_ids: Iterable[int], coded_by: int | None = None) -> set[int]:
    """Make ``theme_ids`` the answer's whole coding (an empty set clears it)."""
    wanted = set(theme_ids)
    code_answers({answer_id: wanted}, coded_by)
    return wanted


def code_answers(codings: Mapping[int, Iterable[int]], coded_by: int | None = None) -> None:
    """:func:`code_answer` for many answers at once (a page of them), in a few queries.
    Each theme must belong to the survey of the answer it codes."""
    wanted = {answer_id: set(ids) for answer_id, ids in codings.items()}
    if not wanted:
        return
    survey_of = {a: s for a, s in db.session.execute(
        select(Answer.id, Response.survey_id).join(Response, Response.id == Answer.response_id)
        .where(Answer.id.in_(wanted)))}
    if set(wanted) - set(survey_of):
        raise DomainError(_l("That answer no longer exists."))
    all_themes = set().union(*wanted.values())
    theme_survey = {t: s for t, s in db.session.execute(
        select(Theme.id, Theme.survey_id).where(Theme.id.in_(all_themes)))} if all_themes else {}
    if any(theme_survey.get(t) != survey_of[a] for a, ids in wanted.items() for t in ids):
        raise DomainError(_l("A chosen theme is not one of this survey's themes."))
    existing: dict[int, set[int]] = defaultdict(set)
    for answer_id, theme_id in db.session.execute(
            select(AnswerTheme.answer_id, AnswerTheme.theme_id).where(AnswerTheme.answer_id.in_(wanted))):
        existing[answer_id].add(theme_id)
    for answer_id, ids in wanted.items():
        stale = existing[answer_id] - ids
        if stale:
            db.session.execute(delete(AnswerTheme).where(AnswerTheme.answer_id == answer_id,
                                                         AnswerTheme.theme_id.in_(stale)))
        db.session.add_all(AnswerTheme(answer_id=answer_id, theme_id=t, coded_by=coded_by)
                           for t in sorted(ids - existing[answer_id]))
    db.session.flush()


def _script(ch: str) -> str:
    return unicodedata.name(ch, "")


@lru_cache(maxsize=4096)
def keyword_pattern(keyword: str) -> re.Pattern[str] | None:
    """The folded keyword as a regular expression matching whole words."""
    prefix = keyword.strip().endswith("*")
    word = fold(keyword.strip().rstrip("*"))
    if not word:
        return None
    left = "" if _script(word[0]).startswith(_UNSPACED) else r"(?<!\w)"
    last = _script(word[-1])
    right = "" if prefix or last.startswith(_UNSPACED + _SUFFIXED) else r"(?!\w)"
    return re.compile(left + re.escape(word) + right)


def _mentions(folded_text: str, keywords: Iterable[str]) -> bool:
    return any((p := keyword_pattern(k)) is not None and p.search(folded_text) for k in keywords)


def suggest(text: str, locale: str, themes: Iterable[Keyworded]) -> list[int]:
    """Ids of the themes whose keywords ``text`` mentions, by keyword matching.

    Text and keywords are compared with :func:`engage.engine.words.fold` (case, accents
    and width ignored: "transito" matches "tránsito", "giao thong" matches "giao
    thông"), on word boundaries ("park" does not match "parking"); a keyword ending in
    ``*`` also matches longer words ("rent*" matches "rents", "rental"), and in scripts
    written without spaces (Chinese, Japanese, Thai...) a keyword matches anywhere.

    The keywords of the answer's language (``locale``) are tried first, then those of
    every language, since residents mix languages ("el bus"): themes found by the
    answer's own language come first, then those found only by another language's
    keywords, each in the order of ``themes``.
    """
    folded = fold(text or "")
    if not folded:
        return []
    themes = list(themes)
    found = [t.id for t in themes if _mentions(folded, (t.keywords or {}).get(locale) or ())]
    found += [t.id for t in themes if t.id not in found
              and _mentions(folded, (k for words in (t.keywords or {}).values() for k in words))]
    return found
