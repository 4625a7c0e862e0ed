"""Who takes part: roster imports (plain CSV or OneRoster), enrolment events, late enrolees, teaching status."""

from __future__ import annotations

from dataclasses import dataclass

from shared.contracts.envelope import derived_id, make_event
from shared.contracts.matching import ParticipantEnrolled, ParticipantStatusChanged, Role, TeachingStatus
from shared.roster import ParsedRoster, participant_id
from shared.storage.mongo import Document

from .policy import Selection, program_settings
from .problem import Scope
from .workflow import Matching, NotFoundError


@dataclass
class Enrolment:
    matching: Matching

    async def import_roster(self, program_id: str, roster: ParsedRoster) -> list[str]:
        """Store valid rows (profile only: e-mail stays with notification); returns new participant ids.

        A re-import updates the columns the file gives and keeps the others; a teacher on the roster again after
        leaving takes part again. When the program already has relationships (it is running) and the roster has
        mentees with neither a relationship nor an open proposal, a run for the remaining capacity is queued (its id
        derives from those mentees, so a retried import queues it once). Enrolment events are emitted for every row
        with its stored enrolment time: a retried import re-emits the same ids, which the outbox drops.
        """
        program = await self.matching.program(program_id)
        district, now = program["district"], self.matching.now()
        docs = []
        for row in roster.rows:
            fields = row.profile_fields()
            if "exclusions" in fields:
                fields["exclusions"] = [participant_id(district, str(ext)) for ext in fields["exclusions"]]  # type: ignore[attr-defined]
            doc = {
                "program_id": program_id,
                "participant_id": row.participant_id(district),
                "district": district,
                "external_id": row.external_id,
                "name": row.name,
                "role": row.role.value,
                **fields,
                "left_at": None,
                "enrolled_at": now,
            }
            docs.append(doc)
        new_ids = await self.matching.repo.upsert_participants(docs)
        stored = {p["participant_id"]: p for p in await self.matching.repo.participants_of(program_id, district)}
        await self.matching.outbox.emit(
            [
                make_event(
                    ParticipantEnrolled(
                        program_id=program_id,
                        participant_id=d["participant_id"],
                        role=Role(d["role"]),
                        enrolled_at=stored[d["participant_id"]]["enrolled_at"],
                        school=stored[d["participant_id"]].get("school"),
                    ),
                    district,
                    d["participant_id"],
                    derived_id("participant.enrolled", program_id, d["participant_id"]),
                )
                for d in docs
            ]
        )
        self.matching.metrics.roster_rows.labels(outcome="accepted").inc(len(roster.rows))
        self.matching.metrics.roster_rows.labels(outcome="rejected").inc(len(roster.errors))
        await self._match_late_enrolees(program, [d["participant_id"] for d in docs if d["role"] != Role.MENTOR.value])
        return new_ids

    async def _match_late_enrolees(self, program: Document, waiting: list[str]) -> None:
        settings = program_settings(program)
        if not waiting or not settings.match_late_enrolees or settings.selection is not Selection.COORDINATOR:
            return
        if not await self.matching.repo.ever_matched(program["_id"]):
            return  # not running yet: the coordinator starts it with a first run
        engaged = await self.matching.repo.engaged_ids(program["_id"])
        proposed = {p["mentee_id"] for p in await self.matching.repo.open_proposals(program["_id"])}
        late = sorted(set(waiting) - engaged - proposed)
        if late:
            await self.matching.runs.request(program, Scope.REMAINING, cause=f"late:{derived_id(*late)}")

    async def set_status(self, program: Document, participant_id: str, status: TeachingStatus, term: str) -> Document:
        """Record whether a participant still teaches in ``term`` (the source of retention figures); idempotent."""
        person = await self.matching.repo.participant(program["_id"], participant_id)
        if person is None:
            raise NotFoundError(f"participant {participant_id} is not in program {program['_id']}")
        await self.matching.repo.set_teaching_status(program["_id"], participant_id, term, status.value)
        data = ParticipantStatusChanged(
            program_id=program["_id"], participant_id=participant_id, status=status, term=term, effective_at=self.matching.now()
        )
        event_id = derived_id("participant.status_changed", program["_id"], participant_id, term, status.value)
        await self.matching.outbox.emit([make_event(data, program["district"], participant_id, event_id)])
        return await self.matching.repo.participant(program["_id"], participant_id) or person
