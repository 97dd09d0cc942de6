"""What a caller hears, as utterances: the text to speak and the recorded prompt that
replaces it in a language read from recordings. Each question is one utterance: its
wording, its numbered options and its keys, so a recording covers the whole of it."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import force_locale

from engage.core.i18n import _, _l, language_name, resolve
from engage.engine import QuestionSpec, SurveySpec, question_type
from engage.engine.keypad import MAX_SINGLE_KEY_CHOICES, typed
from engage.engine.questions import Shape, render_question
from engage.surveys.texts import choice_labels


@dataclass(frozen=True)
class Utterance:
    #: The recorded prompt that stands for it ("welcome", "question:q3"...).
    key: str
    text: str
    locale: str


#: The prompts a language read from recordings needs, besides one per question.
PROMPTS = {
    "welcome": _l("Welcome: the survey's title and introduction"),
    "language": _l("This language in the language menu (\"For Somali, press 3\")"),
    "resume": _l("Continue or start again (\"You started before. To continue, press 1. "
                 "To start again, press 2.\")"),
    "retry": _l("Not understood (\"Sorry, I did not get that.\")"),
    "goodbye": _l("Goodbye after silence (\"We did not hear you. Call back any time to "
                  "continue.\")"),
    "already_done": _l("Already answered (\"You have already answered this survey.\")"),
    "thanks": _l("Thank you at the end"),
}


def prompt_keys(spec: SurveySpec) -> list[str]:
    """Every recording a language read from recordings needs for this survey, in order."""
    keys = list(PROMPTS)
    keys[-1:-1] = [f"question:{q.key}" for q in spec.questions]
    return keys


def welcome(spec: SurveySpec, title: dict, intro: dict, locale: str) -> Utterance:
    texts = [resolve(title, locale, spec.default_locale), resolve(intro, locale, spec.default_locale)]
    return Utterance("welcome", " ".join(t for t in texts if t), locale)


def thanks(spec: SurveySpec, text: dict, locale: str) -> Utterance:
    return Utterance("thanks", resolve(text, locale, spec.default_locale), locale)


def language_option(locale: str, digit: int) -> Utterance:
    with force_locale(locale):
        return Utterance("language", _("For %(language)s, press %(digit)s.",
                                       language=language_name(locale), digit=digit), locale)


def survey_option(title: str, locale: str, digit: int) -> Utterance:
    with force_locale(locale):
        return Utterance("survey_option", _("For %(survey)s, press %(digit)s.", survey=title,
                                      digit=digit), locale)


def resume(locale: str) -> Utterance:
    with force_locale(locale):
        return Utterance("resume", _("You started this survey before. To continue where you "
                                     "left off, press 1. To start again, press 2."), locale)


def retry(locale: str, reason: str | None = None) -> Utterance:
    with force_locale(locale):
        return Utterance("retry", reason or _("Sorry, I did not get that."), locale)


def goodbye(locale: str) -> Utterance:
    with force_locale(locale):
        return Utterance("goodbye", _("We did not hear an answer. Your answers so far are "
                                      "saved: call back any time to continue. Goodbye."), locale)


def already_done(locale: str) -> Utterance:
    with force_locale(locale):
        return Utterance("already_done", _("You have already answered this survey. Thank you!"),
                         locale)


def nothing_open(locale: str) -> Utterance:
    with force_locale(locale):
        return Utterance("nothing_open", _("There is no survey to answer by phone right now. "
                                           "Thank you for calling."), locale)


def question(q: QuestionSpec, spec: SurveySpec, locale: str) -> Utterance:
    """The question read aloud: wording, options with their keys, then how to answer."""
    with force_locale(locale):
        parts = [resolve(q.prompt, locale, spec.default_locale)]
        parts += _options(q, locale, spec.default_locale)
        parts.append(_how_to_answer(q, locale, spec.default_locale))
        if question_type(q).asks:
            parts.append(_keys_hint(q))
    return Utterance(f"question:{q.key}", " ".join(p for p in parts if p), locale)


def _options(q: QuestionSpec, locale: str, default: str) -> list[str]:
    if question_type(q).shape not in (Shape.ONE_OF, Shape.MANY_OF):
        return []
    labels = [label for _value, label in choice_labels(q, locale, default)]
    return [_("For %(option)s, press %(digit)s.", option=label, digit=n)
            for n, label in enumerate(labels, start=1)]


class HowToAnswer:
    """How to answer on the keypad (or aloud), one sentence per shape of question."""

    def one_of(self, q: QuestionSpec, locale: str, default: str) -> str:
        if len(question_type(q).options(q)) > MAX_SINGLE_KEY_CHOICES:
            return _("Press the number, then press pound.")
        return ""

    def many_of(self, q: QuestionSpec, locale: str, default: str) -> str:
        if len(q.choices) > 9:
            return _("Press the numbers of all that apply, with star between them, then press "
                     "pound.")
        return _("Press the numbers of all that apply, then press pound.")

    def scale(self, q: QuestionSpec, locale: str, default: str) -> str:
        low, high = resolve(q.low_label, locale, default), resolve(q.high_label, locale, default)
        if low and high:
            return _("Press 1 for %(low)s, up to 5 for %(high)s.", low=low, high=high)
        return _("Press a number from 1 to 5.")

    def number(self, q: QuestionSpec, locale: str, default: str) -> str:
        return _("Enter the number on your keypad, then press pound.")

    def words(self, q: QuestionSpec, locale: str, default: str) -> str:
        return _("After the tone, say your answer, then press pound.")

    def note(self, q: QuestionSpec, locale: str, default: str) -> str:
        return ""


def _how_to_answer(q: QuestionSpec, locale: str, default: str) -> str:
    return render_question(HowToAnswer(), q, locale, default)


def _keys_hint(q: QuestionSpec) -> str:
    if typed(q):
        hints = [_("To hear this again, press star, then 9.")]
        if not q.required:
            hints.append(_("To skip, press star, then 0."))
    else:
        hints = [_("To hear this again, press 9.")]
        if not q.required:
            hints.append(_("To skip, press 0."))
    hints.append(_("To go back, press star."))
    return " ".join(hints)


def hints_for(q: QuestionSpec, locale: str, default: str) -> str:
    """Speech-recognition hints: the option labels (a single comma-separated string)."""
    if question_type(q).shape not in (Shape.ONE_OF, Shape.MANY_OF):
        return ""
    return ", ".join(label for _value, label in choice_labels(q, locale, default))[:900]

