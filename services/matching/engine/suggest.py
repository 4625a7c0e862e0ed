"""One mentee's best mentors, and one pair checked against every hard rule: coordinators' edits, self-directed mode.

Pure and per participant (plain loops over the candidates; no solver). Eligibility, virtual fallback and scores are
the solver's (``engine.solver``, ``engine.peer``), from the reference definitions in ``engine.scoring``, so a pair
the solver makes has exactly the same score, breakdown and ``virtual`` flag here:

- one_to_one / group: the candidates are the participants with role mentor. A mentor with capacity 0 is never
  eligible (``capacity_zero``): the service passes each mentor's *remaining* capacity as ``Profile.capacity``.
  ``group_min``/``group_max`` do not apply (a mentee joins a group one at a time).
- Virtual fallback (``same_district`` and ``virtual_fallback`` on): when no mentor of the mentee's own district is
  eligible, the mentors of other districts that pass every other rule are (``virtual=True``); ``check_pair`` then
  does not count ``same_district`` as a violation.
- peer: the candidates are the other peers (``mentor_id`` names the partner). A pair is eligible when either
  orientation is, and scores as its best eligible orientation (higher score, then the smaller mentor id); when
  neither is eligible, ``check_pair`` describes the orientation breaking the fewest rules (``mentor_id`` as mentor on
  a tie). A cross-district pair is allowed (virtual) when either peer has no eligible partner in its own district.
  A peer is in at most one pair whatever its capacity: the caller leaves already-paired peers out of the problem.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from services.matching.engine.model import Frozen, Id, Mode, Problem, Profile, Role
from services.matching.engine.scoring import CRITERIA, MICRO, breakdown_micro, ineligibility, violations

__all__ = ["PairCheck", "Suggestion", "check_pair", "suggestions"]


class Suggestion(Frozen):
    """A mentor (peer mode: a partner) the mentee may have, scored exactly as the solver scores the pair."""

    mentor_id: Id
    score: float
    breakdown: dict[str, float]  # criterion -> weighted points; sums to score
    virtual: bool = False  # a cross-district pair under the virtual fallback


class PairCheck(Frozen):
    """Whether a pair is allowed; every hard rule it breaks (``scoring.RULES`` order); its score in either case."""

    eligible: bool
    violations: tuple[str, ...]  # () when eligible
    score: float
    breakdown: dict[str, float]
    virtual: bool = False


def suggestions(problem: Problem, mentee_id: str, k: int = 5) -> list[Suggestion]:
    """The ``k`` best mentors ``mentee_id`` may have under the program's hard rules, score desc then mentor id asc.

    ``KeyError`` for an unknown id; ``ValueError`` when it is not a mentee (peer mode: not a peer) or ``k`` < 0.
    """
    if k < 0:
        raise ValueError(f"k must be 0 or more, got {k}")
    program = _Program(problem)
    mentee = program.get(mentee_id, program.seeker_role)
    found = [
        (option, other.id)
        for other in program.partners
        if other is not mentee and not (option := program.pair(other, mentee, score_ineligible=False)).broken
    ]
    found.sort(key=lambda item: (-item[0].total, item[1]))
    return [
        Suggestion(mentor_id=mentor_id, score=option.score, breakdown=option.breakdown(), virtual=option.virtual)
        for option, mentor_id in found[:k]
    ]


def check_pair(problem: Problem, mentor_id: str, mentee_id: str) -> PairCheck:
    """Can ``mentor_id`` mentor ``mentee_id`` (peer mode: can the two peers pair), and how would the pair score?

    ``KeyError`` for an unknown id; ``ValueError`` when ``mentor_id`` is not a mentor or ``mentee_id`` not a mentee
    (peer mode: either is not a peer, or both are the same peer).
    """
    program = _Program(problem)
    mentor = program.get(mentor_id, program.partner_role)
    mentee = program.get(mentee_id, program.seeker_role)
    if mentor is mentee:
        raise ValueError(f"{mentor_id} cannot be paired with itself")
    option = program.pair(mentor, mentee, score_ineligible=True)
    return PairCheck(
        eligible=not option.broken,
        violations=option.broken,
        score=option.score,
        breakdown=option.breakdown(),
        virtual=option.virtual,
    )


@dataclass(frozen=True)
class _Option:
    """One orientation of a pair: the rules it breaks, its breakdown in micro-points, whether it is virtual."""

    mentor_id: str
    broken: tuple[str, ...]
    micro: tuple[int, ...]
    virtual: bool

    @property
    def total(self) -> int:
        return sum(self.micro)

    @property
    def score(self) -> float:
        return self.total / MICRO

    def breakdown(self) -> dict[str, float]:
        return {name: v / MICRO for name, v in zip(CRITERIA, self.micro, strict=True)}


class _Program:
    """The problem seen from one participant: who may be paired with whom, and the virtual fallback."""

    def __init__(self, problem: Problem) -> None:
        rules = problem.rules
        self.hard, self.weights, self.mode, self.peer = rules.hard, rules.weights, rules.mode, rules.mode is Mode.PEER
        self.fallback = rules.hard.same_district and rules.hard.virtual_fallback
        self.partner_role = Role.PEER if self.peer else Role.MENTOR
        self.seeker_role = Role.PEER if self.peer else Role.MENTEE
        self.by_id = {p.id: p for p in problem.participants}
        self.partners = sorted((p for p in problem.participants if p.role is self.partner_role), key=lambda p: p.id)
        self.local: dict[str, list[Profile]] = defaultdict(list)
        for p in self.partners:
            self.local[p.district].append(p)
        self._lonely: dict[str, bool] = {}

    def get(self, pid: str, role: Role) -> Profile:
        """The participant ``pid``, which must have ``role``."""
        if (found := self.by_id.get(pid)) is None:
            raise KeyError(f"unknown participant id: {pid}")
        if found.role is not role:
            raise ValueError(f"{pid} is not a {role.value} (its role is {found.role.value}; mode {self.mode.value})")
        return found

    def pair(self, other: Profile, seeker: Profile, *, score_ineligible: bool) -> _Option:
        """The pair of ``seeker`` (the mentee) with ``other`` (a mentor; peer mode: the partner, either orientation).

        Without ``score_ineligible`` an ineligible orientation's breakdown is left at zeros (not worth computing).
        """
        cross = (
            self.fallback and other.district != seeker.district and (self.lonely(seeker) or (self.peer and self.lonely(other)))
        )
        given = self._oriented(other, seeker, cross, score_ineligible)
        if not self.peer:
            return given
        options = (given, self._oriented(seeker, other, cross, score_ineligible))
        eligible = [o for o in options if not o.broken]
        if eligible:
            return min(eligible, key=lambda o: (-o.total, o.mentor_id))
        return min(options, key=lambda o: len(o.broken))  # min keeps the first on a tie: the given orientation

    def lonely(self, who: Profile) -> bool:
        """No eligible partner in its own district: the virtual fallback applies to ``who``."""
        if who.id not in self._lonely:
            self._lonely[who.id] = not any(
                other is not who
                and (ineligibility(other, who, self.hard) is None or (self.peer and ineligibility(who, other, self.hard) is None))
                for other in self.local[who.district]
            )
        return self._lonely[who.id]

    def _oriented(self, mentor: Profile, mentee: Profile, cross: bool, score_ineligible: bool) -> _Option:
        broken = violations(mentor, mentee, self.hard, allow_other_district=cross)
        scored = not broken or score_ineligible
        micro = breakdown_micro(mentor, mentee, self.weights) if scored else (0,) * len(CRITERIA)
        return _Option(mentor.id, broken, micro, cross)
