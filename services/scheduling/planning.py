"""Planning relationships' meetings over a rolling horizon, from matching's events and the periodic sweep.

A relationship's meetings are materialised ``horizon_weeks`` ahead only (``domain`` says how times are
chosen); ``extend_all`` plans further as time passes. Meeting ids derive from the relationship (or the
group, in group programs) plus kind and occurrence number, so planning again never duplicates a meeting.
Every newly stored meeting gets its reminders and one ``MeetingScheduled``; a meeting stored by a run that
died before announcing it (no ``announced_at``) is announced by the next run.

Group programs: a mentor's relationships form one group, keyed by program and mentor. Its check-ins are
group sessions with the mentor and every active mentee (a mentee joining later is added to the sessions
still to come; one who leaves is removed from them, and a session left with nobody but the mentor is
cancelled). Observation cycles stay per relationship.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shared.contracts.envelope import derived_id
from shared.contracts.matching import ProgramCreated, ProgramModel, RelationshipEnded, RelationshipStarted
from shared.contracts.scheduling import MeetingKind
from shared.messaging.outbox import Outbox
from shared.storage.mongo import Document

from . import announce
from .cadence import ProgramCadence
from .domain import OpenDays, PlannedMeeting, Planner, as_utc, plan_check_ins, plan_cycles
from .metrics import SchedulingMetrics
from .reminders import Reminders
from .repository import SchedulingRepository
from .stores import PlanningStore
from .workflow import Clock, Scheduling, meeting_id, utc_now


@dataclass(frozen=True)
class Series:
    """Meetings planned together: one relationship's (``key`` relationship_id) or one group's (``group_id``)."""

    key: str
    plan_id: str
    relationship_id: str
    participant_ids: list[str]


@dataclass
class Planning:
    repo: SchedulingRepository
    store: PlanningStore
    lifecycle: Scheduling
    reminders: Reminders
    outbox: Outbox
    metrics: SchedulingMetrics
    clock: Clock = utc_now

    async def program_created(self, district: str, created: ProgramCreated) -> None:
        await self.store.program_created(created.program_id, district, created.model.value)

    async def relationship_started(self, district: str, started: RelationshipStarted) -> list[Document]:
        """Store the relationship, plan its first weeks; a repeated start plans and announces nothing new."""
        now, rid = self.clock(), started.relationship_id
        await self.store.program_seen(started.program_id, district)
        program = await self.store.program(started.program_id)
        group_id = None
        if (program or {}).get("model") == ProgramModel.GROUP.value:
            group_id = derived_id("group", started.program_id, started.mentor_id)
        relationship: Document = {
            "_id": rid,
            "program_id": started.program_id,
            "district": district,
            "mentor_id": started.mentor_id,
            "mentee_id": started.mentee_id,
            "started_at": as_utc(started.started_at),
            "group_id": group_id,
        }
        await self.store.add_relationship(relationship)
        relationship = await self.store.relationship(rid) or relationship  # a redelivery keeps the first version
        group_id = relationship.get("group_id")
        if group_id is not None:
            group = {k: relationship[k] for k in ("program_id", "district", "mentor_id", "started_at")}
            await self.store.ensure_group({"_id": group_id, "relationship_id": rid, **group})
        planned = await self.plan(relationship, now)
        if group_id is not None:
            await self._regroup(group_id, after=now)
        if (ended_at := await self.repo.ended_at(rid)) is not None:  # the end was processed first
            await self._end(relationship, ended_at)
        return planned

    async def relationship_ended(self, ended: RelationshipEnded) -> None:
        """Cancel what the relationship still had to come (group sessions: the mentee leaves them)."""
        ended_at = as_utc(ended.ended_at)
        await self.repo.mark_ended(ended.relationship_id, ended_at)
        if (relationship := await self.store.relationship(ended.relationship_id)) is not None:
            await self._end(relationship, ended_at)

    async def extend_all(self, now: datetime) -> int:
        """Plan every active relationship up to its horizon (once a day per relationship); returns meetings added."""
        relationships = await self.store.all_relationships()
        ended = await self.repo.ended_ids([r["_id"] for r in relationships])
        cadences: dict[str, ProgramCadence] = {}
        added = 0
        for rel in relationships:
            if rel["_id"] in ended:
                continue
            if rel["program_id"] not in cadences:
                cadences[rel["program_id"]] = self.store.cadence_of(await self.store.program(rel["program_id"]))
            if rel.get("planned_until", "") < _horizon(rel, cadences[rel["program_id"]], now).date().isoformat():
                added += len(await self.plan(rel, now))
        return added

    async def plan(self, relationship: Document, now: datetime) -> list[Document]:
        """Plan the relationship (and its group's sessions) up to the horizon; returns the meetings it stored."""
        cadence = self.store.cadence_of(await self.store.program(relationship["program_id"]))
        calendar = await self.store.calendar_or_default(relationship["district"])
        days = OpenDays(calendar, cadence.term_start, cadence.term_end)
        horizon_end = _horizon(relationship, cadence, now)
        pair = [relationship["mentor_id"], relationship["mentee_id"]]
        own = Series("relationship_id", relationship["_id"], relationship["_id"], pair)
        added: list[Document] = []
        group = await self.store.group(relationship["group_id"]) if relationship.get("group_id") else None
        members = await self._members(group["_id"]) if group else []
        if cadence.check_ins is not None and group is not None and len(members) > 1:
            series = Series("group_id", group["_id"], group["relationship_id"], members)
            planner, stored = await self._planner(series, days)
            meetings = plan_check_ins(
                planner, cadence.check_ins, MeetingKind.GROUP_SESSION, group["started_at"], now, horizon_end, stored
            )
            added += await self._store(series, relationship, calendar.time_zone, meetings, cadence, now)
        planner, stored = await self._planner(own, days)
        meetings = []
        if cadence.check_ins is not None and not relationship.get("group_id"):
            meetings += plan_check_ins(
                planner, cadence.check_ins, MeetingKind.CHECK_IN, relationship["started_at"], now, horizon_end, stored
            )
        if cadence.observation_cycle is not None:
            meetings += plan_cycles(planner, cadence.observation_cycle, relationship["started_at"], now, horizon_end, stored)
        added += await self._store(own, relationship, calendar.time_zone, meetings, cadence, now)
        await self.store.set_planned_until(relationship["_id"], horizon_end.date().isoformat())
        return added

    async def _planner(self, series: Series, days: OpenDays) -> tuple[Planner, dict[Any, tuple[datetime, datetime]]]:
        existing = await self.repo.of_plan(series.key, series.plan_id)
        stored = {(MeetingKind(m["kind"]), m.get("index", 1)): (m["starts_at"], announce.ends_at(m)) for m in existing}
        busy = [(m["starts_at"], announce.ends_at(m)) for m in await self.repo.scheduled_of(series.participant_ids)]
        availability = await self.store.availabilities(series.participant_ids)
        return Planner(days, [availability.get(p) for p in series.participant_ids], busy), stored

    async def _store(
        self,
        series: Series,
        relationship: Document,
        time_zone: str,
        meetings: list[PlannedMeeting],
        cadence: ProgramCadence,
        now: datetime,
    ) -> list[Document]:
        docs = [
            {
                "_id": meeting_id(series.plan_id, m.kind.value, str(m.index)),
                "program_id": relationship["program_id"],
                "district": relationship["district"],
                "relationship_id": series.relationship_id,
                "group_id": relationship.get("group_id"),
                "kind": m.kind.value,
                "index": m.index,
                "participant_ids": series.participant_ids,
                "starts_at": m.starts_at,
                "duration_minutes": m.duration_minutes,
                "time_zone": time_zone,
                "status": "scheduled",
                "sequence": 0,
                "created_at": now,
            }
            for m in meetings
        ]
        inserted = set(await self.repo.add_meetings(docs))
        for doc in docs:
            if doc["_id"] in inserted:
                self.metrics.scheduled.labels(kind=doc["kind"]).inc()
        # Announce what is stored and not announced yet, including what a run that died left unannounced.
        unannounced = [m for m in await self.repo.of_plan(series.key, series.plan_id) if m.get("announced_at") is None]
        fresh = [m for m in unannounced if m["status"] == "scheduled"]
        await self.reminders.plan(fresh, cadence.reminder_offsets_minutes, now)
        await self.outbox.emit([announce.scheduled(m) for m in fresh])
        await self.repo.mark_announced([m["_id"] for m in unannounced], now)
        return [d for d in docs if d["_id"] in inserted]

    async def _members(self, group_id: str) -> list[str]:
        """The group's mentor, then its active mentees in the order they joined."""
        relationships = await self.store.of_group(group_id)
        ended = await self.repo.ended_ids([r["_id"] for r in relationships])
        mentees = [r["mentee_id"] for r in relationships if r["_id"] not in ended]
        return [relationships[0]["mentor_id"], *dict.fromkeys(mentees)] if relationships else []

    async def _regroup(self, group_id: str, after: datetime) -> None:
        """Bring the group's sessions still to come in line with its members; cancel those left with the mentor alone."""
        members = await self._members(group_id)
        for session in await self.repo.scheduled_after("group_id", group_id, after):
            if len(members) < 2:
                await self.lifecycle.cancel(session, None, "relationship_ended")
            elif session["participant_ids"] != members:
                await self.repo.set_participants(session, members)

    async def _end(self, relationship: Document, ended_at: datetime) -> None:
        for meeting in await self.repo.scheduled_after("relationship_id", relationship["_id"], ended_at):
            if meeting["kind"] != MeetingKind.GROUP_SESSION.value:
                await self.lifecycle.cancel(meeting, None, "relationship_ended")
        if relationship.get("group_id"):
            await self._regroup(relationship["group_id"], after=ended_at)


def _horizon(relationship: Document, cadence: ProgramCadence, now: datetime) -> datetime:
    return max(now, relationship["started_at"]) + timedelta(weeks=cadence.horizon_weeks)
