"""The conversation engine: pure functions over frozen dataclasses.

No Flask, no Twilio, no database session. Web, SMS and voice adapters turn their
transport into an :class:`~engage.engine.conversation.Input`, call
:func:`~engage.engine.conversation.step`, store the outcome's changes and render the
next prompt.
"""

from engage.engine.conversation import Action, Input, Outcome, Policy, State, start, step
from engage.engine.questions import TYPES, InvalidAnswer, Problem, question_type
from engage.engine.spec import ChoiceSpec, Clause, Condition, QuestionSpec, SurveySpec

__all__ = [
    "TYPES", "Action", "ChoiceSpec", "Clause", "Condition", "Input", "InvalidAnswer",
    "Outcome", "Policy", "Problem", "QuestionSpec", "State", "SurveySpec", "question_type",
    "start", "step",
]
