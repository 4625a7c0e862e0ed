"""The report page a coordinator looks at: key figures, then charts drawn on the server (no script, no front-end build)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from . import svg
from .summary import Figures
from .views import DistrictSummary, ProgramSummary, SchoolSummary, WeeklySeries

TEMPLATES: Final = Path(__file__).with_name("templates")
_env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["j2", "html"]), keep_trailing_newline=True)


@dataclass(frozen=True)
class Kpi:
    key: str
    label: str
    raw: Any
    shown: str
    suppressed: bool = False


@dataclass(frozen=True)
class Chart:
    key: str
    heading: str
    svg: Markup | None
    note: str = ""


@dataclass(frozen=True)
class Table:
    key: str
    heading: str
    header: list[str]
    rows: list[list[Any]] = field(default_factory=list)


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def number(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:,.{digits}f}"


def kpis(f: Figures) -> list[Kpi]:
    s = f.satisfaction
    return [
        Kpi("enrolled", "Enrolled participants", f.enrolled, f"{f.enrolled:,}"),
        Kpi("match_rate", "Match rate", f.match_rate, percent(f.match_rate)),
        Kpi("median_days_to_match", "Median days to match", f.median_days_to_match, number(f.median_days_to_match)),
        Kpi("unmatched_over_30_days", "Unmatched over 30 days", f.unmatched_over_30_days, f"{f.unmatched_over_30_days:,}"),
        Kpi("active_relationships", "Active relationships", f.active_relationships, f"{f.active_relationships:,}"),
        Kpi("at_risk_relationships", "At risk", f.at_risk_relationships, f"{f.at_risk_relationships:,}"),
        Kpi("meeting_completion_rate", "Meetings held", f.meeting_completion_rate, percent(f.meeting_completion_rate)),
        Kpi("no_show_rate", "No-shows", f.no_show_rate, percent(f.no_show_rate)),
        Kpi("mentor_hours_per_week", "Mentor hours per week", f.mentor_hours_per_week, number(f.mentor_hours_per_week)),
        Kpi("completion_rate", "Relationships completed", f.completion_rate, percent(f.completion_rate)),
        Kpi("satisfaction_mean", "Satisfaction (1-5)", s.mean, number(s.mean, 2), s.suppressed),
        Kpi("nps", "Net promoter score", s.nps, number(s.nps, 0), s.nps_suppressed),
        Kpi(
            "response_rate",
            "Survey response rate",
            f.surveys.response_rate,
            percent(f.surveys.response_rate),
            f.surveys.suppressed,
        ),
        Kpi("retention", f"Still teaching in {f.retention.term}", f.retention.rate, percent(f.retention.rate)),
    ]


def charts(f: Figures, series: WeeklySeries, k: int) -> list[Chart]:
    weeks = [w.week for w in series.weeks]
    meetings = {
        "completed": [float(w.meetings_completed) for w in series.weeks],
        "missed": [float(w.meetings_missed) for w in series.weeks],
    }
    out = [
        Chart("meetings_per_week", "Meetings per week", svg.grouped_bar_chart("Meetings per week", weeks, meetings)),
        Chart(
            "mentor_hours_per_week",
            "Mentor hours per week",
            svg.line_chart("Mentor hours per week", [(w.week, w.mentor_hours) for w in series.weeks], "mentor_hours"),
        ),
    ]
    if f.satisfaction.distribution is None:
        note = f"Suppressed: fewer than {k} answers ({f.satisfaction.responses} so far)."
        out.append(Chart("satisfaction", "Satisfaction (answers per rating)", None, note))
    else:
        bars = [(r, float(n)) for r, n in f.satisfaction.distribution.items()]
        out.append(Chart("satisfaction", "Satisfaction (answers per rating)", svg.bar_chart("Satisfaction", bars, "answers")))
    ended = [(reason, float(n)) for reason, n in f.ended_by_reason.items()]
    out.append(Chart("ended_by_reason", "How relationships ended", svg.bar_chart("How relationships ended", ended, "ended")))
    return out


def render(
    title: str, summary: Figures, series: WeeklySeries, tables: list[Table] | None = None, more: list[Chart] | None = None
) -> str:
    """The whole page; every text is escaped, charts are inline SVG."""
    k = getattr(summary, "k", series.k)
    return _env.get_template("report.html.j2").render(
        title=title,
        as_of=getattr(summary, "as_of", ""),
        retention_term=summary.retention.term,
        k=k,
        kpis=kpis(summary),
        charts=charts(summary, series, k) + (more or []),
        tables=tables or [],
    )


def program_page(summary: ProgramSummary, series: WeeklySeries) -> str:
    return render(f"Program {summary.program_id} — district {summary.district}", summary, series)


def district_page(
    summary: DistrictSummary, series: WeeklySeries, programs: list[ProgramSummary], schools: list[SchoolSummary]
) -> str:
    rates = [(p.program_id, (p.match_rate or 0.0) * 100) for p in programs]
    match_chart = Table("programs", "Programs", ["program", "enrolled", "match rate", "active", "at risk", "satisfaction"])
    for p in programs:
        shown = "suppressed" if p.satisfaction.suppressed else number(p.satisfaction.mean, 2)
        match_chart.rows.append(
            [p.program_id, p.enrolled, percent(p.match_rate), p.active_relationships, p.at_risk_relationships, shown]
        )
    school_table = Table("schools", "Schools", ["school", "enrolled", "match rate", "active", "meetings held", "satisfaction"])
    for s in schools:
        shown = "suppressed" if s.satisfaction.suppressed else number(s.satisfaction.mean, 2)
        school_table.rows.append(
            [s.school, s.enrolled, percent(s.match_rate), s.active_relationships, percent(s.meeting_completion_rate), shown]
        )
    chart = Chart(
        "match_rate_by_program", "Match rate by program (%)", svg.bar_chart("Match rate by program (%)", rates, "percent")
    )
    return render(f"District {summary.district}", summary, series, [match_chart, school_table], [chart])
