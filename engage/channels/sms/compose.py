"""What a resident reads by text: one question per message, choices numbered, short
instructions in their language, within as few billed parts as the words allow."""

from __future__ import annotations

from collections.abc import Sequence

from flask import current_app
from flask_babel import force_locale

from engage.channels.problems import explain
from engage.core.i18n import _, language_name, resolve
from engage.engine import Problem, QuestionSpec, question_type
from engage.engine.questions import Shape, render_question
from engage.engine.session import Say
from engage.surveys.texts import choice_labels


def choice_lines(q: QuestionSpec, locale: str, default: str) -> list[str]:
    if question_type(q).shape not in (Shape.ONE_OF, Shape.MANY_OF):
        return []
    labels = [label for _value, label in choice_labels(q, locale, default)]
    return [f"{n} {label}" for n, label in enumerate(labels, start=1)]


class Instruction:
    """How to answer by text, one line per shape of question."""

    def one_of(self, q: QuestionSpec, locale: str, default: str) -> str:
        return _("Reply with a number.")

    def many_of(self, q: QuestionSpec, locale: str, default: str) -> str:
        return _("Reply with one or more numbers, like 1,3.")

    def scale(self, q: QuestionSpec, locale: str, default: str) -> str:
        low, high = resolve(q.low_label, locale, default), resolve(q.high_label, locale, default)
        if low and high:
            return _("Reply 1 (%(low)s) to 5 (%(high)s).", low=low, high=high)
        return _("Reply with a number from 1 to 5.")

    def number(self, q: QuestionSpec, locale: str, default: str) -> str:
        if q.minimum is not None and q.maximum is not None:
            return _("Reply with a number from %(minimum)s to %(maximum)s.",
                     minimum=_tidy(q.minimum), maximum=_tidy(q.maximum))
        return _("Reply with a number.")

    def words(self, q: QuestionSpec, locale: str, default: str) -> str:
        return _("Reply in your own words.")

    def note(self, q: QuestionSpec, locale: str, default: str) -> str:
        return ""


def instruction(q: QuestionSpec, locale: str, default: str) -> str:
    return render_question(Instruction(), q, locale, default)


def question_text(q: QuestionSpec, locale: str, default: str) -> str:
    """The whole text for one question, in ``locale`` (UI words from its catalog)."""
    with force_locale(locale):
        lines = [resolve(q.prompt, locale, default)]
        lines += choice_lines(q, locale, default)
        hint = instruction(q, locale, default)
        if not q.required and question_type(q).asks:
            skip = _("Text SKIP to skip.")
            hint = f"{hint} {skip}".strip()
        if hint:
            lines.append(hint)
    return "\n".join(lines)


def problem_text(problem: Problem, locale: str, q: QuestionSpec | None = None,
                 pictures: bool = False) -> str:
    """Why the answer was refused; for a picture sent instead of one, that pictures
    cannot be read and how to answer instead."""
    with force_locale(locale):
        if pictures and problem.code == "no_answer":
            return unreadable_pictures(q)
        return explain(problem)


def unreadable_pictures(q: QuestionSpec | None) -> str:
    """What to send instead of a picture, as the question is answered."""
    shape = question_type(q).shape if q is not None else Shape.WORDS
    if shape is Shape.WORDS:
        return _("We cannot read pictures. Please answer in words.")
    if shape is Shape.MANY_OF:
        return _("We cannot read pictures. Please reply with the numbers of your answers.")
    return _("We cannot read pictures. Please reply with a number.")


def language_menu(locales: Sequence[str]) -> str:
    """Each language offered in itself: "1 English / 2 Español / 3 Tiếng Việt"."""
    return "\n".join(f"{n} {language_name(code)}" for n, code in enumerate(locales, start=1))


def program_name() -> str:
    return current_app.config.get("SMS_PROGRAM_NAME") or current_app.config["CITY_NAME"]


def help_text(locale: str, keywords: Sequence[str]) -> str:
    """HELP: who is texting, how often, what it costs, how to stop, what to text."""
    with force_locale(locale):
        parts = [_("%(program)s surveys: we text only when you text us or agreed to hear back. "
                   "Msg & data rates may apply. Text STOP to stop, HELP for help.",
                   program=program_name())]
        if keywords:
            parts.append(_("To answer a survey, text: %(keywords)s", keywords=", ".join(keywords)))
        return "\n".join(parts)


def stopped_text(locale: str) -> str:
    with force_locale(locale):
        return _("You will get no more texts from %(program)s. Text START to subscribe again.",
                 program=program_name())


def started_text(locale: str) -> str:
    with force_locale(locale):
        return _("You can get texts from %(program)s again. Text STOP at any time to stop.",
                 program=program_name())


def resume_menu(title: str, locale: str) -> str:
    with force_locale(locale):
        options = [_("Continue where I left off"), _("Start again")]
        return "\n".join([title, _("You started this survey before."),
                          *(f"{n} {label}" for n, label in enumerate(options, start=1))])


def already_done_text(locale: str) -> str:
    with force_locale(locale):
        return _("You have already answered this survey. Thank you!")


def _tidy(number: float) -> int | float:
    return int(number) if float(number).is_integer() else number


def render(said: Sequence[Say]) -> str:
    """What the session decided to say, as one text (nothing: no reply at all)."""
    return "\n".join(text for text in (_text(s) for s in said) if text)


def _text(s: Say) -> str:
    default = s.survey.default_locale if s.survey else s.locale
    q = s.question
    match s.kind:
        case "help":
            return help_text(s.locale, s.items)
        case "stopped":
            return stopped_text(s.locale)
        case "started":
            return started_text(s.locale)
        case "already_done":
            return already_done_text(s.locale)
        case "resume_menu" if s.survey:
            return resume_menu(resolve(s.survey.title, s.locale, default), s.locale)
        case "language_menu":
            return language_menu(s.items)
        case "welcome" if s.survey:
            return resolve(s.survey.title, s.locale, default)
        case "note" if q:
            return resolve(q.prompt, s.locale, default)
        case "question" if q:
            return question_text(q, s.locale, default)
        case "refused" if s.problem:
            return problem_text(s.problem, s.locale, q, s.pictures)
        case "thanks" if s.survey:
            return resolve(s.survey.thanks, s.locale, default)
    return ""  # "retry": a text shows the menu again; calls alone say goodbye
