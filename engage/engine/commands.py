"""Words residents text or say instead of an answer, in every language we serve.

Shared by every channel (SMS texts them, voice hears them, authoring keeps keywords
clear of them), so they live in the engine.

Opt-out follows Twilio's defaults plus the words residents use in their own language
(the FCC's "any reasonable means"); a stop is recognised before anything else.
"""

from __future__ import annotations

from enum import StrEnum

from engage.engine.words import fold


class Command(StrEnum):
    STOP = "stop"
    START = "start"
    HELP = "help"
    SKIP = "skip"
    BACK = "back"
    LANGUAGE = "language"
    REPEAT = "repeat"


_WORDS: dict[Command, tuple[str, ...]] = {
    Command.STOP: (
        "STOP", "STOPALL", "STOP ALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT",
        "OPT OUT", "STOP TEXTING", "STOP PLEASE", "PLEASE STOP",
        "PARAR", "PARA", "ALTO", "CANCELAR", "NO MAS", "NO MÁS", "BASTA", "DETENER", "BAJA",
        "DỪNG", "DUNG", "HỦY", "HUY", "NGỪNG", "NGUNG", "DỪNG LẠI",
        "HINTO", "TIGIL", "ITIGIL",
        "停止", "退订", "取消", "取消订阅", "退訂",
        "توقف", "إيقاف", "ايقاف", "إلغاء", "الغاء", "إلغاء الاشتراك",
        "JOOJI", "JOOJI FARIINTA", "중지", "수신거부",
    ),
    Command.START: ("START", "UNSTOP", "INICIAR", "BẮT ĐẦU", "SIMULAN", "开始", "ابدأ", "BILOW"),
    Command.HELP: ("HELP", "INFO", "AYUDA", "GIÚP", "GIUP", "TRỢ GIÚP", "TULONG", "帮助", "幫助",
                   "مساعدة", "CAAWIMAAD", "도움말"),
    Command.SKIP: ("SKIP", "SALTAR", "OMITIR", "BỎ QUA", "LAKTAWAN", "跳过", "跳過", "تخطي",
                   "KA BOOD", "건너뛰기"),
    Command.BACK: ("BACK", "ATRAS", "ATRÁS", "VOLVER", "QUAY LẠI", "BALIK", "返回", "رجوع",
                   "DIB U NOQO", "뒤로"),
    Command.LANGUAGE: ("LANGUAGE", "LANG", "IDIOMA", "NGÔN NGỮ", "WIKA", "语言", "語言", "اللغة",
                       "LUQADDA", "언어"),
    Command.REPEAT: ("REPEAT", "REPETIR", "LẶP LẠI", "ULITIN", "重复", "تكرار"),
}
_LOOKUP: dict[str, Command] = {fold(word): command for command, words in _WORDS.items()
                               for word in words}

#: Words that opt back in only for someone who opted out (YES answers questions too).
_OPT_IN_WHEN_STOPPED = frozenset(fold(w) for w in ("YES", "SÍ", "SI", "CÓ"))


def command(body: str, opted_out: bool = False) -> Command | None:
    """The command ``body`` is, if the whole message is one (case, accents, punctuation
    and width ignored)."""
    folded = fold(body)
    found = _LOOKUP.get(folded)
    if found is None and opted_out and folded in _OPT_IN_WHEN_STOPPED:
        return Command.START
    return found


def is_stop(body: str) -> bool:
    return command(body) is Command.STOP


def words_for(cmd: Command) -> tuple[str, ...]:
    return _WORDS[cmd]
