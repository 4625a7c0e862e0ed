"""Survey templates: their invariants, and answer validation that names the question and the reason."""

from __future__ import annotations

import pytest

from services.feedback import templates
from services.feedback.templates import QuestionKind
from shared.contracts.feedback import SurveyTemplate


@pytest.mark.parametrize("template", templates.TEMPLATES, ids=lambda t: f"{t.name.value}-v{t.version}")
def test_every_template_has_one_required_overall_rating_and_at_most_one_recommend(template):
    overall = [q for q in template.questions if q.id == templates.RATING]
    assert len(overall) == 1 and overall[0].kind is QuestionKind.SCALE and overall[0].required
    recommend = [q for q in template.questions if q.kind is QuestionKind.RECOMMEND]
    assert len(recommend) <= 1 and all(q.id == templates.RECOMMEND for q in recommend)
    assert len({q.id for q in template.questions}) == len(template.questions)
    assert all(q.choices for q in template.questions if q.kind is QuestionKind.CHOICE)


def test_every_survey_kind_has_a_current_version_and_only_the_program_survey_is_anonymous():
    assert set(templates.CURRENT) == set(SurveyTemplate)
    assert [t.name for t in templates.TEMPLATES if t.anonymous] == [SurveyTemplate.PROGRAM_ANONYMOUS]
    pulse = templates.current(SurveyTemplate.MEETING_PULSE)
    assert 2 <= len(pulse.questions) <= 3
    assert templates.get("meeting_pulse", pulse.version) is pulse
    with pytest.raises(KeyError):
        templates.get(SurveyTemplate.MEETING_PULSE, 99)


def problems(name: SurveyTemplate, answers):
    return {(p.question_id, p.reason) for p in templates.validate(templates.current(name), answers)}


def test_valid_answers_have_no_problem_and_are_cleaned():
    closure = templates.current(SurveyTemplate.CLOSURE)
    answers = {"overall": 5, "recommend": 10, "most_valuable": "  observations  ", "comment": "   "}
    assert templates.validate(closure, answers) == []
    assert templates.cleaned(closure, answers) == {"overall": 5, "recommend": 10, "most_valuable": "observations"}
    assert templates.scores(templates.cleaned(closure, answers)) == (5, 10)


def test_each_problem_names_the_question_and_the_reason():
    found = problems(
        SurveyTemplate.MATCH_QUALITY_30D,
        {"overall": 6, "fit": "amazing", "recommend": -1, "comment": 3, "mood": 4},
    )
    assert found == {
        ("overall", "must be a whole number from 1 to 5"),
        ("fit", "must be one of: very_good, good, unsure, poor"),
        ("recommend", "must be a whole number from 0 to 10"),
        ("comment", "must be text of at most 2000 characters"),
        ("mood", "unknown question"),
    }


@pytest.mark.parametrize("value", [True, 4.0, "4", None, "  "])
def test_a_required_scale_refuses_booleans_floats_strings_and_blanks(value):
    reasons = problems(SurveyTemplate.MEETING_PULSE, {"overall": value})
    assert len(reasons) == 1 and next(iter(reasons))[0] == "overall"


def test_required_answers_are_required_and_optional_ones_are_not():
    assert problems(SurveyTemplate.CLOSURE, {}) == {("overall", "an answer is required"), ("recommend", "an answer is required")}
    assert problems(SurveyTemplate.MEETING_PULSE, {"overall": 1, "focus": None, "comment": ""}) == set()
    assert problems(SurveyTemplate.MEETING_PULSE, {"overall": 3, "comment": "x" * 2001}) == {
        ("comment", "must be text of at most 2000 characters")
    }
