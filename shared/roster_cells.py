"""How one roster cell is read: ``;``-separated lists, tags, ids, yes/no, a support style, availability blocks.

Each reader is a pydantic ``BeforeValidator`` of ``shared.roster.RosterRow``: a blank cell is None
("not given"), a bad one raises ``ValueError`` with the reason the row error shows.
"""

from __future__ import annotations

import re
from typing import Final

WEEKDAYS: Final = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
YES: Final = frozenset({"yes", "true", "1"})
NO: Final = frozenset({"no", "false", "0"})

_BLOCK = re.compile(r"^(?P<day>[a-z]+)\s+(?P<start>\d{1,2}:\d{2})\s*-\s*(?P<end>\d{1,2}:\d{2})$")
_DAY_NAMES = {name: name[:3] for name in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")}
LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")


def blank(value: object) -> bool:
    return isinstance(value, str) and not value.strip()


def parts(value: object, *, lower: bool = False) -> object:
    """A ``;``-separated cell as a list without blanks or repeats; None when nothing is given."""
    if not isinstance(value, str):
        return value
    parts = [p.strip().lower() if lower else p.strip() for p in value.split(";")]
    return list(dict.fromkeys(p for p in parts if p)) or None


def tags(value: object) -> object:
    return parts(value, lower=True)


def ids(value: object) -> object:
    return parts(value)


def given(value: object) -> bool:
    return isinstance(value, str) and bool(parts(value))


def none_if_blank(value: object) -> object:
    return None if blank(value) else value


def support_style_cell(value: object) -> object:
    return None if blank(value) else value.strip().lower() if isinstance(value, str) else value


def yes_no(value: object) -> object:
    if not isinstance(value, str):
        return value
    word = value.strip().lower()
    if not word:
        return None
    if word in YES or word in NO:
        return word in YES
    raise ValueError(f"'{value.strip()}': use yes/no, true/false or 1/0")


def _clock(text: str, block: str) -> str:
    hours, minutes = (int(n) for n in text.split(":"))
    if hours > 23 or minutes > 59:
        raise ValueError(f"'{block}': {text} is not a 24-hour time HH:MM")
    return f"{hours:02d}:{minutes:02d}"


def _block_text(item: object) -> str | None:
    """A block as its cell text; slots given as dicts (a row built in code) are checked the same way."""
    if isinstance(item, dict) and {"weekday", "start", "end"} <= set(item):
        return f"{item['weekday']} {item['start']}-{item['end']}"
    return item if isinstance(item, str) else None


def availability_slots(value: object) -> object:
    """``tue 15:30-16:30; thu 08:00-08:45`` -> ``[{"weekday": "tue", "start": "15:30", "end": "16:30"}, ...]``."""
    blocks = parts(value)
    if not isinstance(blocks, list):
        return blocks
    slots: list[dict[str, str]] = []
    for item in blocks:
        block = _block_text(item)
        if block is None:
            return blocks  # neither a cell nor a slot: let the type check report it
        found = _BLOCK.match(block.lower())
        if found is None:
            raise ValueError(f"'{block}': use 'weekday HH:MM-HH:MM', e.g. 'tue 15:30-16:30'")
        day = _DAY_NAMES.get(found["day"], found["day"])
        if day not in WEEKDAYS:
            raise ValueError(f"'{block}': weekday must be one of {', '.join(WEEKDAYS)}")
        start, end = _clock(found["start"], block), _clock(found["end"], block)
        if end <= start:
            raise ValueError(f"'{block}': end must be after start")
        slot = {"weekday": day, "start": start, "end": end}
        if slot not in slots:
            slots.append(slot)
    return slots
