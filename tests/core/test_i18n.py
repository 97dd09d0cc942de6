from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from engage.core.i18n import language_name, negotiate, normalise_code, resolve, text_direction

SHIPPED = ("en", "es", "vi", "tl", "zh_Hans", "ar")


def test_browser_preferences_map_to_shipped_locales() -> None:
    assert negotiate(["es-MX", "en"], SHIPPED) == "es"
    assert negotiate(["zh-CN"], SHIPPED) == "zh_Hans"
    assert negotiate(["zh-TW", "en"], SHIPPED) == "en", "Traditional is not Simplified"
    assert negotiate(["zh-TW"], ("en", "zh_Hant")) == "zh_Hant"
    assert negotiate(["fil-PH"], SHIPPED) == "tl"
    assert negotiate(["fr", "de"], SHIPPED) is None


@given(st.lists(st.text(max_size=12), max_size=6))
def test_negotiate_only_returns_available(header: list[str]) -> None:
    result = negotiate(header, SHIPPED)
    assert result is None or result in SHIPPED


def test_names_directions_and_fallbacks() -> None:
    assert language_name("es") == "Español" and language_name("vi") == "Tiếng Việt"
    assert language_name("so") == "Soomaali"
    assert text_direction("ar") == "rtl" and text_direction("es") == "ltr"
    assert normalise_code("zh-hans") == "zh_Hans" and normalise_code("es-mx") == "es_MX"
    assert resolve({"en": "Hi", "es": ""}, "es", "en") == "Hi"
    assert resolve({"es": "Hola"}, "vi", "en") == "Hola"
    assert resolve(None, "en") == ""
