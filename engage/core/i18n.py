"""Locale selection and translatable survey text.

UI text is gettext (``_`` / ``_l``); text that staff author is data: a ``{locale: text}``
mapping resolved with :func:`resolve`. The two never mix.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from babel import Locale, UnknownLocaleError
from flask import current_app, g, has_request_context, request, session
from flask_babel import LazyString, force_locale, refresh
from flask_babel import gettext as _  # noqa: F401 - re-exported for domains
from flask_babel import lazy_gettext as _l  # noqa: F401
from flask_babel import lazy_pgettext as _lp  # noqa: F401 - for words with two senses

#: Native names for the shipped locales where Babel's own is awkward ("tl" is an alias).
_NATIVE_NAMES = {
    "en": "English",
    "es": "Español",
    "vi": "Tiếng Việt",
    "tl": "Tagalog",
    "zh_Hans": "中文（简体）",
    "zh_Hant": "中文（繁體）",
    "ar": "العربية",
}

#: Regional or script variants a browser may send, mapped to the code we store.
_ALIASES = {
    "zh": "zh_Hans", "zh_cn": "zh_Hans", "zh_sg": "zh_Hans", "zh_hans": "zh_Hans",
    "zh_tw": "zh_Hant", "zh_hk": "zh_Hant", "zh_mo": "zh_Hant", "zh_hant": "zh_Hant",
    "fil": "tl",
}


def normalise_code(code: str) -> str:
    """Canonical form of a locale code: ``es-MX`` -> ``es_MX``, ``zh-hans`` -> ``zh_Hans``."""
    parts = code.strip().replace("-", "_").split("_")
    if not parts or not parts[0]:
        return ""
    out = [parts[0].lower()]
    for part in parts[1:]:
        out.append(part.title() if len(part) == 4 else part.upper())
    return "_".join(out)


def is_valid_code(code: str) -> bool:
    try:
        Locale.parse(normalise_code(code))
    except (UnknownLocaleError, ValueError):
        return False
    return True


def language_name(code: str) -> str:
    """The language's name in itself ("Español"), for pickers residents read."""
    if code in _NATIVE_NAMES:
        return _NATIVE_NAMES[code]
    try:
        name = Locale.parse(code).display_name or code
    except (UnknownLocaleError, ValueError):
        return code
    return name[:1].upper() + name[1:]


def text_direction(code: str) -> str:
    try:
        return Locale.parse(code).text_direction
    except (UnknownLocaleError, ValueError):
        return "ltr"


def negotiate(accepted: Iterable[str], available: Sequence[str]) -> str | None:
    """First of ``accepted`` (browser order) that one of ``available`` serves.

    Matches exactly, then by alias (``zh-TW`` -> ``zh_Hant``), then with the region
    dropped (``es-MX`` -> ``es``), but never across scripts: Traditional Chinese is not
    served Simplified. Pure, so it can be tested with any header.
    """
    by_lower = {a.lower(): a for a in available}
    for raw in accepted:
        parts = normalise_code(raw).lower().split("_")
        while parts and parts[0]:
            tag = "_".join(parts)
            alias = _ALIASES.get(tag, "").lower()
            for candidate in (tag, alias):
                if candidate in by_lower:
                    return by_lower[candidate]
            scripted = (len(parts) > 1 and len(parts[-1]) == 4) or alias.count("_")
            if scripted:
                break
            parts.pop()
    return None


def resolve(text: Mapping[str, str] | None, locale: str, default: str = "en") -> str:
    """Survey text in ``locale``, else the survey's default language, else any."""
    if not text:
        return ""
    for code in (locale, default):
        value = text.get(code)
        if value:
            return value
    return next((v for v in text.values() if v), "")


def translated(text: LazyString, locales: Iterable[str]) -> dict[str, str]:
    """``text`` in each of ``locales`` that ships a UI catalog, as survey text: the
    standard questions are copied into a survey this way. Other survey languages are
    left for a translator: publishing lists them as missing."""
    shipped = set(current_app.config["UI_LOCALES"])
    out = {}
    for locale in locales:
        if locale in shipped:
            with force_locale(locale):
                out[locale] = str(text)
    return out


def browser_locales() -> list[str]:
    return [value for value, _q in request.accept_languages] if has_request_context() else []


def select_ui_locale() -> str:
    """Flask-Babel's locale selector: a page's choice, else ``?lang``, else the session,
    else the browser's preference among the shipped UI locales."""
    chosen = g.get("locale")
    if chosen:
        return chosen
    if not has_request_context():  # CLI commands and workers speak the default language
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    available = current_app.config["UI_LOCALES"]
    for candidate in (request.args.get("lang"), session.get("ui_lang")):
        if candidate and normalise_code(candidate) in available:
            return normalise_code(candidate)
    return negotiate(browser_locales(), available) or current_app.config["BABEL_DEFAULT_LOCALE"]


def use_locale(code: str) -> None:
    """Render the rest of this request in ``code`` (UI strings fall back to English)."""
    g.locale = code
    refresh()
