"""Every feasible pair of a problem, checked one by one with ``engine.scoring`` (the reference definition).

Used by ``python -m services.matching.cli solve --scores`` and by the benchmark's reference solver. It shares no
code with the solver's vectorised candidate generation (``engine.candidates``/``engine.arcscore``), so the two check
each other. Pair by pair in Python: fine for the CLI and for reference sizes, not meant for a whole state.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from services.matching.engine.model import HardRules, Mode, Problem, Profile, Role, Weights
from services.matching.engine.scoring import breakdown, ineligibility

MICRO = 1_000_000


@dataclass(frozen=True)
class Scored:
    """One feasible pair: ``mentor`` may mentor ``mentee``; ``micro`` is its score in integer micro-points."""

    mentor: Profile
    mentee: Profile
    virtual: bool
    micro: int
    breakdown: dict[str, float]

    @property
    def score(self) -> float:
        return self.micro / MICRO


def feasible_pairs(problem: Problem) -> Iterator[Scored]:
    """Every pair the solver may choose, scored, in a fixed order.

    one_to_one / group (roles mentor and mentee): every (mentor, mentee) that ``ineligibility`` allows, by mentee id
    then mentor id. When same_district and virtual_fallback are on, a mentee with no eligible mentor in its own
    district gets the mentors of other districts that pass every other rule instead (virtual=True).

    peer (role peer): each unordered pair {a, b} once, in its best eligible orientation (the higher score, then the
    smaller mentor id), sorted by (smaller id, larger id); a peer with no eligible partner in its own district gets
    partners from other districts (virtual=True).
    """
    rules = problem.rules
    people = sorted(problem.participants, key=lambda p: p.id)
    if rules.mode is Mode.PEER:
        yield from _peer_pairs([p for p in people if p.role is Role.PEER], rules.hard, rules.weights)
        return
    hard, fallback = rules.hard, rules.hard.same_district and rules.hard.virtual_fallback
    find = _Candidates([p for p in people if p.role is Role.MENTOR], hard)
    for mentee in (p for p in people if p.role is Role.MENTEE):
        local = [m for m in find(mentee, local=True) if ineligibility(m, mentee, hard) is None]
        if not local and fallback:
            cross = [m for m in find(mentee, local=False) if _cross_ok(m, mentee, hard)]
            yield from (_scored(m, mentee, True, rules.weights) for m in cross)
        yield from (_scored(m, mentee, False, rules.weights) for m in local)


def score_rows(problem: Problem) -> Iterator[dict[str, Any]]:
    """The ``--scores`` lines: every feasible pair with score and breakdown (by mentee, best score first; peers by pair)."""
    group: list[Scored] = []
    for pair in feasible_pairs(problem):
        if problem.rules.mode is not Mode.PEER and group and group[-1].mentee.id != pair.mentee.id:
            yield from map(_row, sorted(group, key=lambda s: -s.micro))  # stable: mentor id order on equal scores
            group = []
        group.append(pair)
    yield from map(_row, group if problem.rules.mode is Mode.PEER else sorted(group, key=lambda s: -s.micro))


def _row(s: Scored) -> dict[str, Any]:
    return {"mentee_id": s.mentee.id, "mentor_id": s.mentor.id, "score": s.score, "virtual": s.virtual, "breakdown": s.breakdown}


def _peer_pairs(pool: list[Profile], hard: HardRules, weights: Weights) -> Iterator[Scored]:
    find = _Candidates(pool, hard)
    best: dict[tuple[str, str], Scored] = {}

    def consider(mentor: Profile, mentee: Profile, virtual: bool) -> None:
        new = _scored(mentor, mentee, virtual, weights)
        key = (mentor.id, mentee.id) if mentor.id < mentee.id else (mentee.id, mentor.id)
        old = best.get(key)
        if old is None or new.micro > old.micro or (new.micro == old.micro and new.mentor.id < old.mentor.id):
            best[key] = new

    for peer in pool:
        for other in find(peer, local=True):
            if ineligibility(other, peer, hard) is None:
                consider(other, peer, False)
    if hard.same_district and hard.virtual_fallback:
        paired = {i for key in best for i in key}
        for peer in (p for p in pool if p.id not in paired):
            for other in find(peer, local=False):
                for mentor, mentee in ((other, peer), (peer, other)):
                    if _cross_ok(mentor, mentee, hard):
                        consider(mentor, mentee, True)
    yield from (best[key] for key in sorted(best))


def _cross_ok(mentor: Profile, mentee: Profile, hard: HardRules) -> bool:
    return mentor.district != mentee.district and ineligibility(mentor, mentee, hard, allow_other_district=True) is None


def _scored(mentor: Profile, mentee: Profile, virtual: bool, weights: Weights) -> Scored:
    parts = breakdown(mentor, mentee, weights)
    return Scored(mentor, mentee, virtual, sum(round(v * MICRO) for v in parts.values()), parts)  # parts are whole micro-points


class _Candidates:
    """Mentors indexed by (district, subject), so that only pairs that can share a subject are ever checked."""

    def __init__(self, mentors: list[Profile], hard: HardRules) -> None:
        self.hard = hard
        self.index: dict[tuple[str | None, str | None], list[Profile]] = defaultdict(list)
        for m in mentors:  # key district None = any district, subject None = any subject
            for subject in m.subjects if hard.subject_match else (None,):
                for key in {(m.district if hard.same_district else None, subject), (None, subject)}:
                    self.index[key].append(m)

    def __call__(self, mentee: Profile, *, local: bool) -> list[Profile]:
        """Candidates for ``mentee`` in id order (never the mentee itself): its district's, or everyone's."""
        district = mentee.district if local and self.hard.same_district else None
        found = {m.id: m for s in (mentee.subjects if self.hard.subject_match else (None,)) for m in self.index[(district, s)]}
        return [found[k] for k in sorted(found) if k != mentee.id]
