"""How one event's change merges into a read-model document. Pure: no I/O.

Every field merges by a join: the larger value (``MAX``), the smaller (``MIN``) or the union of sets
(``UNION``); a missing value (None) is below everything. A join is commutative, associative and
idempotent, so a document is a function of the SET of events that touched it: any arrival order and
any number of duplicates give the same document. Statuses are ``MAX`` over ``[rank, status, ...]``
lists, which makes a later status win and breaks ties between conflicting reports deterministically.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

Document = dict[str, Any]


class Merge(Enum):
    MAX = "max"
    MIN = "min"
    UNION = "union"


@dataclass(frozen=True)
class Change:
    """Merge ``fields`` (name → (merge, value)) into the document ``key`` of ``collection``."""

    collection: str
    key: str
    fields: Mapping[str, tuple[Merge, Any]] = field(default_factory=dict)


def maximum(**values: Any) -> dict[str, tuple[Merge, Any]]:
    """Fields that keep their largest value (facts that never change are written this way too)."""
    return {name: (Merge.MAX, value) for name, value in values.items()}


def minimum(**values: Any) -> dict[str, tuple[Merge, Any]]:
    return {name: (Merge.MIN, value) for name, value in values.items()}


def union(**values: list[Any]) -> dict[str, tuple[Merge, Any]]:
    return {name: (Merge.UNION, value) for name, value in values.items()}


def merge(kind: Merge, current: Any, value: Any) -> Any:
    """The join of two values of one field."""
    if kind is Merge.UNION:
        return sorted(set(current or ()) | set(value or ()))
    if current is None:
        return value
    if value is None:
        return current
    return max(current, value) if kind is Merge.MAX else min(current, value)


def apply(current: Mapping[str, Any] | None, change: Change) -> Document:
    """The document after ``change``: ``current`` with every field of the change merged in."""
    doc: Document = {**(current or {}), "_id": change.key}
    for name, (kind, value) in change.fields.items():
        doc[name] = merge(kind, doc.get(name), value)
    return doc
