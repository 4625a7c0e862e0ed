"""Turning chosen arcs into the engine's ``Solution``.

Every value is computed here from validated input, so the models are built without re-validation: ``_trusted`` does
what pydantic's ``model_construct`` does for a model given all its fields (tens of thousands of small objects for a
state; a unit test checks the result equals a validated copy).
"""

from __future__ import annotations

from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel

from services.matching.engine.encode import I64, Side
from services.matching.engine.model import Alternative, Pair, Solution, Unmatched
from services.matching.engine.scoring import CRITERIA, MICRO


def build_solution(
    mentors: Side,
    mentees: Side,
    mi: I64,
    ei: I64,
    micro: I64,
    virtual: NDArray[np.bool_],
    chosen: NDArray[np.bool_],
    lost: I64,
    why: list[str],
    nexts: dict[int, list[tuple[int, int]]],
    *,
    proven_optimal: bool,
) -> Solution:
    """Assemble the ``Solution`` from the chosen arcs, the unmatched (with reasons) and the alternatives.

    ``mi``/``ei`` are every arc the solver scored (``Solution.pairs_considered`` is their number).
    """
    ids_m = [p.id for p in mentors.profiles]
    ids_e = [p.id for p in mentees.profiles]
    picked = np.flatnonzero(chosen)
    picked = picked[np.lexsort((ei[picked], mi[picked]))]
    pairs = tuple(
        _trusted(
            Pair,
            mentor_id=ids_m[m],
            mentee_id=ids_e[e],
            score=sum(row) / MICRO,
            breakdown={name: v / MICRO for name, v in zip(CRITERIA, row, strict=True)},
            virtual=bool(v),
        )
        for m, e, row, v in zip(
            mi[picked].tolist(), ei[picked].tolist(), micro.take(picked, axis=0).tolist(), virtual[picked].tolist(), strict=True
        )
    )
    unmatched = tuple(_trusted(Unmatched, mentee_id=ids_e[i], reason=r) for i, r in zip(lost.tolist(), why, strict=True))
    alts = {
        ids_e[i]: tuple(_trusted(Alternative, mentor_id=ids_m[j], score=s / MICRO) for j, s in nexts[i]) for i in sorted(nexts)
    }
    objective = int(micro[picked].sum()) / MICRO
    return Solution.model_construct(
        pairs=pairs,
        unmatched=unmatched,
        objective=objective,
        alternatives=alts,
        proven_optimal=proven_optimal,
        pairs_considered=len(mi),
    )


def empty_solution(unmatched: tuple[Unmatched, ...]) -> Solution:
    """The ``Solution`` when there is nobody to pair with: no pairs, nothing scored, trivially optimal."""
    return Solution.model_construct(
        pairs=(), unmatched=unmatched, objective=0.0, alternatives={}, proven_optimal=True, pairs_considered=0
    )


_set = object.__setattr__
M = TypeVar("M", bound=BaseModel)


def _trusted(cls: type[M], **fields: Any) -> M:
    """``cls.model_construct(**fields)`` for a model without private attributes, extras or post-init, all fields given."""
    model = cls.__new__(cls)
    _set(model, "__dict__", fields)
    _set(model, "__pydantic_fields_set__", set(fields))
    _set(model, "__pydantic_extra__", None)
    _set(model, "__pydantic_private__", None)
    return model
