"""Rosters and programs for the matching integration tests."""

from __future__ import annotations

from typing import Any

import httpx

from shared.roster import participant_id

HEADER = "external_id,name,email,role,school,subjects,grade_bands,years_experience,trained,capacity,expertise,support_style"
CSV = {"content-type": "text/csv"}


def teacher(eid: str, role: str, subjects: str = "math", bands: str = "6-8", years: int = 0, **more: Any) -> str:
    """One roster line; mentors are trained unless told otherwise."""
    trained = more.get("trained", "yes" if role == "mentor" else "")
    cells = [eid, f"Name {eid}", f"{eid.lower()}@example.org", role, more.get("school", "Lincoln"), subjects, bands, str(years)]
    cells += [trained, str(more.get("capacity", "")), more.get("expertise", ""), more.get("style", "")]
    return ",".join(cells)


def roster(*lines: str) -> str:
    return "\n".join([HEADER, *lines]) + "\n"


def pid(district: str, eid: str) -> str:
    return participant_id(district, eid)


async def program_with(http: httpx.AsyncClient, district: str, csv: str, **body: Any) -> dict[str, Any]:
    program = (await http.post("/programs", json={"district": district, "name": "Induction", **body})).json()
    assert "id" in program, program
    imported = await http.post(f"/programs/{program['id']}/roster", content=csv, headers=CSV)
    assert imported.status_code == 200 and not imported.json()["errors"], imported.text
    return program  # type: ignore[no-any-return]


async def run(http: httpx.AsyncClient, program_id: str, scope: str = "all") -> dict[str, Any]:
    response = await http.post(f"/programs/{program_id}/match-runs", params={"wait": 30}, json={"scope": scope})
    assert response.status_code == 202 and response.json()["status"] == "done", response.text
    return response.json()  # type: ignore[no-any-return]


ONEROSTER_USERS = (
    "sourcedId,status,enabledUser,givenName,familyName,identifier,email,grades,primaryOrgSourcedId,"
    "metadata.mentoring.role,metadata.mentoring.subjects,metadata.mentoring.years_experience,metadata.mentoring.trained"
)
ZIP = {"content-type": "application/zip"}


def oneroster(*users: str, roles: str = "") -> bytes:
    """A OneRoster 1.2 ZIP: ``users`` are users.csv lines (``ONEROSTER_USERS`` columns) at school ``lin``."""
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.csv", "propertyName,value\noneroster.version,1.2\n")
        zf.writestr("users.csv", "\n".join([ONEROSTER_USERS, *users]) + "\n")
        zf.writestr(
            "orgs.csv",
            "sourcedId,status,name,type,identifier,parentSourcedId\ndist,,District,district,,\nlin,,Lincoln High,school,,dist\n",
        )
        header = "sourcedId,status,userSourcedId,roleType,role,orgSourcedId\n"
        zf.writestr("roles.csv", header + roles)
    return buffer.getvalue()
