from services.matching.domain import CAPACITY_TAKEN, NO_ELIGIBLE_MENTOR, NO_MENTORS, Profile, assign, score


def p(pid: str, subjects: str, bands: str) -> Profile:
    return Profile(pid, frozenset(subjects.split()), frozenset(bands.split()))


def test_score_counts_shared_subjects_twice_and_grade_bands_once():
    b = score(p("m", "math science", "6-8 9-12"), p("e", "math science art", "6-8"))
    assert b.shared_subjects == ("math", "science") and b.shared_grade_bands == ("6-8",)
    assert b.total == 5


def test_assignment_maximises_total_score_not_greedy_choice():
    # Greedy would give m1 to e1 (score 3) and leave e2 with nothing; the optimum pairs both.
    mentors = [p("m1", "math", "6-8"), p("m2", "science", "9-12")]
    mentees = [p("e1", "math science", "9-12"), p("e2", "math", "6-8")]
    result = assign(mentors, mentees)
    assert {(x.mentor_id, x.mentee_id) for x in result.pairs} == {("m1", "e2"), ("m2", "e1")}
    assert result.objective == 3 + 3


def test_unmatched_mentees_come_back_with_a_reason():
    mentors = [p("m1", "math", "6-8")]
    mentees = [p("e1", "math", "6-8"), p("e2", "math", "K-2"), p("e3", "art", "K-2")]
    result = assign(mentors, mentees)
    assert [(x.mentor_id, x.mentee_id) for x in result.pairs] == [("m1", "e1")]
    assert {(u.mentee_id, u.reason) for u in result.unmatched} == {("e2", CAPACITY_TAKEN), ("e3", NO_ELIGIBLE_MENTOR)}
    assert assign([], mentees).unmatched[0].reason == NO_MENTORS


def test_result_does_not_depend_on_input_order():
    mentors = [p(f"m{i}", "math", "6-8") for i in range(5)]
    mentees = [p(f"e{i}", "math", "6-8") for i in range(5)]
    assert assign(mentors, mentees) == assign(list(reversed(mentors)), list(reversed(mentees)))
