"""The demo district: ~40 teachers carried through enrolment, matching, approval and a first meeting."""

from __future__ import annotations

import csv
import io
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from devstack.keys import mint
from shared.auth.principal import Role

DISTRICT = "DEMO1"
PROGRAM_NAME = "Demo district: first-year teacher induction"
SCHOOLS = ("Lincoln Middle", "Adams High", "Baker Elementary")
SUBJECTS = (("math",), ("english",), ("science",), ("history",), ("math", "science"), ("art",), ("spanish",))
BANDS = (("K-2",), ("3-5",), ("6-8",), ("9-12",), ("6-8", "9-12"))
FOCUS = (("classroom management",), ("assessment", "ell"), ("family engagement",), ("differentiation", "assessment"))
STYLES = ("collaborative", "directive", "facilitative")
SLOTS = ("tue 15:30-16:30;thu 15:30-16:30", "mon 15:00-16:00", "wed 14:30-15:30;tue 15:30-16:00")
FIRST = ("Ana", "Ben", "Cleo", "Dev", "Eve", "Finn", "Gia", "Hugo", "Ines", "Jon", "Kai", "Lea", "Mo", "Nia")
LAST = ("Garcia", "Smith", "Nguyen", "Okafor", "Dubois", "Kim", "Rossi", "Haddad")


def roster_csv(mentors: int = 16, mentees: int = 24) -> str:
    """A deterministic roster; e-mail addresses use the reserved example.org domain."""
    out = io.StringIO()
    writer = csv.writer(out)
    header = ["external_id", "name", "email", "role", "school", "subjects", "grade_bands", "years_experience", "language"]
    writer.writerow([*header, "trained", "capacity", "expertise", "support_style", "availability"])
    for i in range(mentors + mentees):
        role = "mentor" if i < mentors else "mentee"
        mentor = role == "mentor"
        name = f"{FIRST[i % len(FIRST)]} {LAST[(i * 3) % len(LAST)]}"
        writer.writerow(
            [
                f"T{i + 1:03d}",
                name,
                f"teacher{i + 1:03d}@example.org",
                role,
                SCHOOLS[i % len(SCHOOLS)],
                ";".join(SUBJECTS[i % len(SUBJECTS)]),
                ";".join(BANDS[(i // 2) % len(BANDS)]),
                10 + i % 15 if role == "mentor" else i % 2,
                ("en", "es", "fr")[i % 3],
                ("no" if i % 8 == 7 else "yes") if mentor else "",  # a few mentors have not done the training yet
                1 + i % 2 if mentor else "",
                ";".join(FOCUS[i % len(FOCUS)]),
                STYLES[i % len(STYLES)],
                SLOTS[i % len(SLOTS)],
            ]
        )
    return out.getvalue()


def _ok(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        raise RuntimeError(f"{response.request.method} {response.request.url} -> {response.status_code}: {response.text}")
    return response.json()


def _until(check: Any, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.3)
    raise TimeoutError("the demo flow did not progress in time")


def load(urls: dict[str, str], signing_key: Path, say: Any = print) -> dict[str, Any]:
    """Drive the demo through the services' HTTP APIs as the district's coordinator; reuses an existing program."""
    token = mint(signing_key, subject="demo-coordinator", role=Role.DISTRICT_COORDINATOR, district=DISTRICT)
    coordinator = {"Authorization": f"Bearer {token}"}

    def as_teacher(participant_id: str, role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {mint(signing_key, subject=participant_id, role=role, district=DISTRICT)}"}

    with httpx.Client(timeout=30, headers=coordinator) as http:
        existing = [
            p for p in _ok(http.get(f"{urls['matching']}/programs", params={"district": DISTRICT})) if p["name"] == PROGRAM_NAME
        ]
        if existing:
            program = existing[0]
            say(f"demo program {program['id']} exists already (data reused)")
        else:
            program = _ok(http.post(f"{urls['matching']}/programs", json={"district": DISTRICT, "name": PROGRAM_NAME}))
            roster = roster_csv()
            csv_headers = {"content-type": "text/csv"}
            imported = _ok(http.post(f"{urls['matching']}/programs/{program['id']}/roster", content=roster, headers=csv_headers))
            _ok(http.post(f"{urls['notification']}/districts/{DISTRICT}/contacts", content=roster, headers=csv_headers))
            say(f"enrolled {imported['accepted']} teachers in program {program['id']}")
            run = _ok(http.post(f"{urls['matching']}/programs/{program['id']}/match-runs?wait=30"))
            reasons = Counter(u["reason"] for u in run["unmatched"])
            why = "; ".join(f"{n} {reason}" for reason, n in reasons.most_common())
            say(f"match run proposed {len(run['proposals'])} pairs; {len(run['unmatched'])} mentees unmatched ({why})")
            for proposal in run["proposals"]:
                _ok(http.post(f"{urls['matching']}/proposals/{proposal['id']}/approve"))
            say(f"approved {len(run['proposals'])} proposals: relationships started")
            first = run["proposals"][0]
            meetings = _until(
                lambda: _ok(http.get(f"{urls['scheduling']}/meetings", params={"participant_id": first["mentee_id"]}))
            )
            check_in = next(m for m in meetings if m["kind"] == "check_in")
            _ok(http.post(f"{urls['scheduling']}/meetings/{check_in['id']}/complete", json={"duration_minutes": 60}))
            mentee = as_teacher(first["mentee_id"], Role.MENTEE)
            surveys = _until(
                lambda: _ok(http.get(f"{urls['feedback']}/surveys", params={"respondent_id": first["mentee_id"]}, headers=mentee))
            )
            answer = {"answers": {"overall": 5, "comment": "Great first month"}}
            _ok(http.post(f"{urls['feedback']}/surveys/{surveys[0]['id']}/responses", json=answer, headers=mentee))
            say("completed one check-in and answered one survey")
        active = sum(r["status"] == "active" for r in _ok(http.get(f"{urls['matching']}/programs/{program['id']}/relationships")))
        say("waiting for the metrics service to fold in every event...")

        def caught_up() -> Any:
            response = http.get(f"{urls['metrics']}/programs/{program['id']}/summary")
            s = response.json() if response.status_code == 200 else None
            done = (
                s and s["active_relationships"] == active and s["surveys"]["submitted"] >= 1 and s["meetings"]["completed"] >= 1
            )
            return s if done else None

        summary = _until(caught_up, timeout=180)
        return {"program": program, "summary": summary}
