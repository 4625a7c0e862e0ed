"""Versioned survey templates, defined in code, and the validation of answers against them. Pure: no I/O.

Every template has one required 1-5 question ``overall`` (published as the survey's ``rating``) and may have one
0-10 question ``recommend`` (published as ``recommend``). Every issued survey stores the version it was issued
with, and its answers are checked against that version, so a template can change without breaking open surveys.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import Any, Final

from shared.contracts.feedback import SurveyTemplate

RATING: Final = "overall"
RECOMMEND: Final = "recommend"
MAX_TEXT: Final = 2000


class QuestionKind(StrEnum):
    SCALE = "scale"  # 1 (poor) to 5 (excellent)
    RECOMMEND = "recommend"  # 0-10, net promoter score
    CHOICE = "choice"  # one of ``choices``
    TEXT = "text"  # free text; never leaves the service


BOUNDS: Final = {QuestionKind.SCALE: (1, 5), QuestionKind.RECOMMEND: (0, 10)}


@dataclass(frozen=True)
class Question:
    id: str
    kind: QuestionKind
    text: str
    required: bool = False
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Template:
    """One version of a survey template; ``window`` is how long a respondent has to answer."""

    name: SurveyTemplate
    version: int
    title: str
    window: timedelta
    questions: tuple[Question, ...]
    anonymous: bool = False
    by_id: dict[str, Question] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {q.id: q for q in self.questions})


@dataclass(frozen=True)
class Problem:
    """Why one answer is refused: the question's id and the reason."""

    question_id: str
    reason: str


def _overall(text: str) -> Question:
    return Question(RATING, QuestionKind.SCALE, text, required=True)


def _recommend(required: bool = False) -> Question:
    return Question(RECOMMEND, QuestionKind.RECOMMEND, "How likely are you to recommend this program to a colleague?", required)


def _comment(text: str = "Anything else you want to tell us?") -> Question:
    return Question("comment", QuestionKind.TEXT, text)


FOCUS = ("planning", "instruction", "assessment", "classroom_management", "wellbeing", "other")
FIT = ("very_good", "good", "unsure", "poor")
TEMPLATES: Final[tuple[Template, ...]] = (
    Template(
        SurveyTemplate.MEETING_PULSE,
        1,
        "How was this meeting?",
        timedelta(days=7),
        (
            _overall("How useful was this meeting?"),
            Question("focus", QuestionKind.CHOICE, "What did you mostly work on?", choices=FOCUS),
            _comment(),
        ),
    ),
    Template(
        SurveyTemplate.MATCH_QUALITY_30D,
        1,
        "Your first month together",
        timedelta(days=30),
        (
            _overall("How well is your mentoring partnership working?"),
            Question("fit", QuestionKind.CHOICE, "How good a fit is your partner for you?", choices=FIT),
            _recommend(),
            _comment(),
        ),
    ),
    Template(
        SurveyTemplate.MID_CYCLE,
        1,
        "Half-way check",
        timedelta(days=14),
        (
            _overall("How is the mentoring going overall?"),
            Question("goal_progress", QuestionKind.SCALE, "How much progress have you made on your goals?", True),
            _recommend(),
            _comment("What support would help you most now?"),
        ),
    ),
    Template(
        SurveyTemplate.CLOSURE,
        1,
        "Closing your mentoring relationship",
        timedelta(days=14),
        (
            _overall("Overall, how valuable was this mentoring relationship?"),
            _recommend(required=True),
            Question("most_valuable", QuestionKind.TEXT, "What was most valuable?"),
            _comment(),
        ),
    ),
    Template(
        SurveyTemplate.PROGRAM_ANONYMOUS,
        1,
        "Program survey (anonymous)",
        timedelta(days=14),
        (
            _overall("Overall, how satisfied are you with the mentoring program?"),
            _recommend(required=True),
            Question("supported", QuestionKind.SCALE, "How supported do you feel in your school?"),
            Question("workload", QuestionKind.CHOICE, "How manageable is the time mentoring takes?", choices=FIT),
            _comment(),
        ),
        anonymous=True,
    ),
)
_BY_KEY: Final = {(t.name, t.version): t for t in TEMPLATES}
CURRENT: Final = {t.name: t for t in sorted(TEMPLATES, key=lambda t: t.version)}


def current(name: SurveyTemplate) -> Template:
    """The version new surveys of ``name`` are issued with."""
    return CURRENT[name]


def get(name: SurveyTemplate | str, version: int) -> Template:
    """The template an issued survey was issued with (KeyError if unknown)."""
    return _BY_KEY[(SurveyTemplate(name), version)]


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _check(question: Question, value: Any) -> str | None:
    """The reason ``value`` is not a valid answer to ``question``, or None."""
    if question.kind in BOUNDS:
        low, high = BOUNDS[question.kind]
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            return f"must be a whole number from {low} to {high}"
    elif question.kind is QuestionKind.CHOICE:
        if value not in question.choices:
            return "must be one of: " + ", ".join(question.choices)
    elif not isinstance(value, str) or len(value) > MAX_TEXT:
        return f"must be text of at most {MAX_TEXT} characters"
    return None


def validate(template: Template, answers: dict[str, Any]) -> list[Problem]:
    """Every problem with ``answers`` (question id -> value); an empty list means they are valid.

    A ``None`` or blank answer counts as not given: refused for a required question, dropped otherwise.
    """
    problems = [Problem(qid, "unknown question") for qid in answers if qid not in template.by_id]
    for question in template.questions:
        value = answers.get(question.id)
        if _blank(value):
            if question.required:
                problems.append(Problem(question.id, "an answer is required"))
        elif reason := _check(question, value):
            problems.append(Problem(question.id, reason))
    return problems


def cleaned(template: Template, answers: dict[str, Any]) -> dict[str, Any]:
    """The given answers of valid ``answers``, without blanks, text stripped, in the template's question order."""
    given = {q.id: answers.get(q.id) for q in template.questions}
    return {k: v.strip() if isinstance(v, str) else v for k, v in given.items() if not _blank(v)}


def scores(answers: dict[str, Any]) -> tuple[int, int | None]:
    """The ``rating`` (overall, 1-5) and ``recommend`` (0-10 or None) of cleaned answers."""
    return answers[RATING], answers.get(RECOMMEND)
