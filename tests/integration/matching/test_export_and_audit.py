"""The participants export neutralises spreadsheet formulas; changes and exports land in the audit log."""

from __future__ import annotations

import csv
import io

from services.matching.app import create_app
from services.matching.settings import MatchingSettings
from shared.auth.principal import Role
from tests.plugins.services import running

HOSTILE = """external_id,name,email,role,school,subjects,grade_bands,years_experience,trained
T1,"=HYPERLINK(""http://x"")",t1@example.org,mentor,+Lincoln,math,6-8,12,yes
S1,@SUM(A1),s1@example.org,mentee,-Adams,math;science,6-8;9-12,1,
"""
FORMULA_STARTS = ("=", "+", "-", "@")


async def test_export_neutralises_formulas_and_everything_is_audited(service_settings, auth):
    app = create_app(MatchingSettings(**service_settings("matching")))
    coordinator = auth(Role.DISTRICT_COORDINATOR, "D1", "coord-1")
    async with running(app, headers=coordinator) as http:
        program = (await http.post("/programs", json={"district": "D1", "name": "Induction"})).json()
        pid = program["id"]
        imported = await http.post(f"/programs/{pid}/roster", content=HOSTILE, headers={"content-type": "text/csv"})
        assert imported.json() == {"accepted": 2, "new": 2, "errors": []}

        export = await http.get(f"/programs/{pid}/participants.csv", headers=auth(Role.STATE_ADMIN, subject="admin-1"))
        assert export.status_code == 200
        assert export.headers["content-type"].startswith("text/csv")
        assert "attachment" in export.headers["content-disposition"]
        rows = list(csv.reader(io.StringIO(export.text)))
        assert rows[0] == ["external_id", "name", "role", "school", "subjects", "grade_bands", "years_experience"]
        by_id = {row[0]: row for row in rows[1:]}
        assert by_id["T1"][1] == '\'=HYPERLINK("http://x")'
        assert by_id["T1"][3] == "'+Lincoln"
        assert by_id["S1"][1:6] == ["'@SUM(A1)", "mentee", "'-Adams", "math;science", "6-8;9-12"]
        assert not [cell for row in rows for cell in row if cell.startswith(FORMULA_STARTS)]

        run = (await http.post(f"/programs/{pid}/match-runs?wait=30")).json()
        first = run["proposals"][0]["id"]
        assert (await http.post(f"/proposals/{first}/reject")).status_code == 200
        refused = await http.post(f"/proposals/{first}/reject", headers=auth(Role.DISTRICT_COORDINATOR, "D2"))
        assert refused.status_code == 404
        second = (await http.post(f"/programs/{pid}/match-runs?wait=30")).json()["proposals"][0]["id"]
        relationship = (await http.post(f"/proposals/{second}/approve")).json()["id"]
        await http.post(f"/relationships/{relationship}/end", json={"reason": "completed"})

        log = await http.get("/audit", params={"district": "D1"}, headers=auth(Role.STATE_ADMIN))
        entries = list(reversed(log.json()))  # oldest first
        assert [(e["action"], e["target"]) for e in entries] == [
            ("program.created", pid),
            ("roster.imported", pid),
            ("participants.exported", pid),
            ("match.run_requested", pid),
            ("proposal.rejected", first),
            ("match.run_requested", pid),
            ("proposal.approved", second),
            ("relationship.ended", relationship),
        ]
        assert entries[1]["detail"] == {"accepted": 2, "new": 2, "rejected_rows": 0}
        assert entries[2]["detail"] == {"rows": 2}
        assert (entries[2]["subject"], entries[2]["role"], entries[2]["actor_district"]) == ("admin-1", "state_admin", None)
        assert {e["subject"] for e in entries if e["action"] != "participants.exported"} == {"coord-1"}
        assert entries[7]["detail"] == {}  # why the relationship ended stays out of the log
        assert "HYPERLINK" not in log.text and "SUM(A1)" not in log.text  # no names in the audit log
