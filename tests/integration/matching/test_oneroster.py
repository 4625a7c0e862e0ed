"""OneRoster 1.2 import into a program: rostering fields from the export, the rest from metadata or the roster CSV."""

from __future__ import annotations

from services.matching.app import create_app
from services.matching.settings import MatchingSettings
from shared.auth.principal import Role
from tests.integration.matching.helpers import CSV, ZIP, oneroster, pid, roster, run, teacher
from tests.plugins.services import running

D = "D8"
ROLES = "".join(f"r{i},,u{i},primary,{role},lin\n" for i, role in enumerate(["teacher", "teacher", "teacher", "student"]))


async def test_oneroster_teachers_join_and_incomplete_profiles_wait_for_the_csv(service_settings, auth):
    app = create_app(MatchingSettings(**service_settings("matching")))
    archive = oneroster(
        "u0,active,true,Ana,Mentor,T1,ana@example.org,07,,mentor,math,12,yes",
        "u1,active,true,Ben,New,S1,,06,,,math,0,",  # no mentoring role in metadata: the ?role= applies
        "u2,active,true,Cleo,New,S2,cleo@example.org,08,,,,,",  # no subjects yet
        "u3,active,true,Pupil,One,P1,p1@example.org,07,,,,,",  # a student: skipped
        roles=ROLES,
    )
    async with running(app, headers=auth(Role.DISTRICT_COORDINATOR, D)) as http:
        program = (await http.post("/programs", json={"district": D, "name": "Induction"})).json()
        url = f"/programs/{program['id']}/oneroster"
        without_role = (await http.post(url, content=archive, headers=ZIP)).json()
        assert without_role["accepted"] == 1 and {e["field"] for e in without_role["errors"]} == {"metadata.mentoring.role"}
        report = (await http.post(url, content=archive, headers=ZIP, params={"role": "mentee"})).json()
        assert (report["accepted"], report["new"], report["skipped"], report["errors"]) == (3, 2, 1, [])
        people = {p["external_id"]: p for p in (await http.get(f"/programs/{program['id']}/participants")).json()}
        assert people["T1"]["school"] == "Lincoln High" and people["T1"]["grade_bands"] == ["6-8"]
        assert (people["S1"]["role"], people["S1"]["name"]) == ("mentee", "Ben New") and "subjects" not in people["S2"]

        done = await run(http, program["id"])
        assert [(p["mentor_id"], p["mentee_id"]) for p in done["proposals"]] == [(pid(D, "T1"), pid(D, "S1"))]
        assert done["unmatched"] == [
            {"mentee_id": pid(D, "S2"), "reason": "incomplete profile: missing subjects, years_experience"}
        ]
        # The district's profile CSV completes Cleo; the OneRoster school and grades stay.
        completed = roster(teacher("S2", "mentee", "math", "6-8", years=1, school="Lincoln High"))
        assert (await http.post(f"/programs/{program['id']}/roster", content=completed, headers=CSV)).json()["new"] == 0
        assert len((await run(http, program["id"]))["proposals"]) == 1  # one mentor: now a capacity question
        bad = await http.post(url, content=b"not a zip", headers=ZIP)
        assert bad.status_code == 422 and "zip" in bad.json()["detail"].lower()
