"""Realistic synthetic matching problems, deterministic from a seed (used by ``bench.matching`` and the tests).

What "realistic" means here (the shape of real induction programmes, not real people):
- districts of very different sizes: a heavy-tailed (Pareto) split, so a few large districts and many small ones;
- mentees are new teachers (0–3 years), mentors are veterans (4–35 years), 85 % of mentors are trained;
- elementary teachers (K-2, 3-5) teach elementary/reading/math, secondary ones (6-8, 9-12) a subject; 30 % span
  two adjacent grade bands, 15 % teach a second subject;
- scarce subjects: physics, spanish, special education and computer science are 4–5× rarer among mentors than
  among mentees, so small districts often have no local mentor for them (→ cross-district virtual matching);
- mentor capacity 1 (50 %), 2 (35 %) or 3 (15 %);
- expertise / problems of practice from a pool of 24 tags, support styles, languages (en + some es/vi/zh/ar),
  1–3 weekly availability blocks of 30–90 min on school days, and a few exclusions (a mentee's supervisor).
"""

from __future__ import annotations

import random
from datetime import time

import numpy as np

from services.matching.engine.model import Problem, Profile, Role, Rules, Slot

ELEMENTARY = {"elementary": 6.0, "reading": 2.0, "math": 1.5, "special education": 1.0, "esl": 0.5}
SECONDARY = {
    "math": 3.0, "english": 3.0, "biology": 1.2, "chemistry": 0.8, "physics": 0.8, "history": 2.0, "spanish": 1.0,
    "french": 0.3, "art": 0.6, "music": 0.6, "pe": 1.0, "computer science": 0.5, "special education": 1.5,
}  # fmt: skip
SCARCE_AMONG_MENTORS = {"physics": 0.2, "spanish": 0.25, "special education": 0.2, "computer science": 0.2}
BANDS = ("K-2", "3-5", "6-8", "9-12")
BAND_WEIGHTS = (0.25, 0.25, 0.22, 0.28)
EXPERTISE = (
    "classroom management", "differentiation", "formative assessment", "family engagement", "literacy across subjects",
    "english learners", "students with iep", "lesson planning", "questioning", "project based learning", "data use",
    "restorative practices", "technology integration", "inquiry labs", "math discourse", "writing workshop",
    "trauma informed", "co-teaching", "grading", "time management", "culturally responsive", "small groups",
    "behaviour plans", "parent conferences",
)  # fmt: skip
STYLES = ("directive", "collaborative", "facilitative", None)
LANGUAGES = {"es": 0.15, "vi": 0.03, "zh": 0.03, "ar": 0.02}
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")


class _Maker:
    """Draws profiles from one seeded generator (``random.Random``: much faster per draw than numpy scalars)."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.np = np.random.default_rng(seed)

    def pick(self, weights: dict[str, float]) -> str:
        return self.rng.choices(list(weights), weights=list(weights.values()))[0]

    def profile(self, pid: str, role: Role, district: str, schools: int) -> Profile:
        rng, mentor = self.rng, role is Role.MENTOR
        band = rng.choices(range(4), weights=BAND_WEIGHTS)[0]
        bands = {BANDS[band]}
        if rng.random() < 0.3:
            bands.add(BANDS[band + 1 if band < 3 and (band == 0 or rng.random() < 0.5) else band - 1])
        pool = dict(ELEMENTARY if band < 2 else SECONDARY)
        if mentor:
            pool = {s: w * SCARCE_AMONG_MENTORS.get(s, 1.0) for s, w in pool.items()}
        subjects = {self.pick(pool) for _ in range(2 if rng.random() < 0.15 else 1)}
        expertise = rng.sample(EXPERTISE, rng.randint(2, 5) if mentor else rng.randint(0, 3))
        languages = {"en"} | {lang for lang, p in LANGUAGES.items() if rng.random() < p}
        return Profile(
            id=pid,
            role=role,
            district=district,
            school=f"{district}-school-{rng.randrange(schools):02d}",
            subjects=frozenset(subjects),
            grade_bands=frozenset(bands),  # type: ignore[arg-type]
            years_experience=rng.randint(4, 35) if mentor else rng.randint(0, 3),
            expertise=frozenset(expertise),
            support_style=rng.choices(STYLES, weights=(0.25, 0.35, 0.25, 0.15))[0],  # type: ignore[arg-type]
            languages=frozenset(languages),
            availability=self.slots(),
            trained=rng.random() < 0.85 if mentor else False,
            capacity=rng.choices((1, 2, 3), weights=(0.5, 0.35, 0.15))[0] if mentor else 1,
        )

    def slots(self) -> tuple[Slot, ...]:
        """1–3 non-overlapping blocks of 30–90 min between 07:00 and 18:00 on distinct school days."""
        blocks = []
        for d in sorted(self.rng.sample(range(5), self.rng.randint(1, 3))):
            start = self.rng.randint(14, 33)  # half-hours since midnight: 07:00 .. 16:30
            end = min(start + self.rng.randint(1, 3), 36)
            blocks.append(Slot(weekday=WEEKDAYS[d], start=time(start // 2, 30 * (start % 2)), end=time(end // 2, 30 * (end % 2))))  # type: ignore[arg-type]
        return tuple(blocks)


def _split(rng: np.random.Generator, total: int, weights: np.ndarray, minimum: int) -> list[int]:
    """``total`` split over ``len(weights)`` parts proportionally to ``weights``, at least ``minimum`` each."""
    spare = total - minimum * len(weights)
    if spare < 0:
        raise ValueError(f"{total} is too few for {len(weights)} districts")
    return [minimum + int(n) for n in rng.multinomial(spare, weights / weights.sum())]


def district_sizes(districts: int, seed: int) -> np.ndarray:
    """Heavy-tailed relative district sizes: a few large districts, many small ones."""
    rng = np.random.default_rng([seed, 7])
    return np.sort(rng.pareto(1.1, size=districts) + 0.05)[::-1]


def generate(mentees: int, mentors: int, *, districts: int = 1, seed: int = 1, rules: Rules | None = None) -> Problem:
    """A problem with ``mentees`` and ``mentors`` spread over ``districts`` districts of very different sizes."""
    maker = _Maker(seed)
    sizes = district_sizes(districts, seed)
    mentee_counts = _split(maker.np, mentees, sizes, 1 if mentees >= districts else 0)
    # mentors follow the district size, with some districts better provided than others
    mentor_counts = _split(maker.np, mentors, sizes * maker.np.lognormal(0.0, 0.35, size=districts), 0)
    people: list[Profile] = []
    for d, (n_mentees, n_mentors) in enumerate(zip(mentee_counts, mentor_counts, strict=True)):
        name = f"D{d:03d}"
        schools = max(1, (n_mentees + n_mentors) // 40)
        district_mentors = [maker.profile(f"{name}-mentor-{i:05d}", Role.MENTOR, name, schools) for i in range(n_mentors)]
        for i in range(n_mentees):
            mentee = maker.profile(f"{name}-mentee-{i:05d}", Role.MENTEE, name, schools)
            if district_mentors and maker.rng.random() < 0.03:  # e.g. the mentee's own supervisor is a mentor
                boss = maker.rng.choice(district_mentors)
                mentee = mentee.model_copy(update={"exclusions": frozenset({boss.id})})
            people.append(mentee)
        people.extend(district_mentors)
    return Problem(participants=tuple(people), rules=rules) if rules else Problem(participants=tuple(people))


def district(mentees: int = 3000, mentors: int = 3000, seed: int = 1) -> Problem:
    """One (large) district: every match is local."""
    return generate(mentees, mentors, districts=1, seed=seed)


def state(mentees: int = 15000, mentors: int = 8000, districts: int = 150, seed: int = 1) -> Problem:
    """A state: many districts of very different sizes; scarce subjects go to cross-district virtual mentors."""
    return generate(mentees, mentors, districts=districts, seed=seed)
