"""Program-wide routes: anonymous survey campaigns and the program's survey figures (k-suppressed)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from shared.auth.http import Caller
from shared.auth.principal import Principal, Role, not_found, require_role
from shared.contracts.feedback import SurveyTemplate

from . import access, domain
from .api_common import BAD_BODY, UNAUTHENTICATED, Audit, CampaignService, Problem, ProgramId, Responses
from .figures import Figures
from .workflow import ConflictError, NotFoundError

router = APIRouter(tags=["programs"])
DEFAULT_OPEN_DAYS = 14


class CampaignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    open_days: int = Field(default=DEFAULT_OPEN_DAYS, ge=1, le=60, description="Days the survey stays open")


class CampaignOut(BaseModel):
    id: str
    number: int = Field(description="1 for the program's first campaign, and so on")
    program_id: str
    district: str
    template: SurveyTemplate
    template_version: int
    issued_at: datetime
    due_at: datetime
    status: Literal["open", "closed"]
    invited: int = Field(description="How many participants were asked (not a figure about answers)")
    figures: Figures = Field(description="From the released answers; withheld below k")


class ResultsOut(BaseModel):
    program_id: str
    k: int = Field(description="Figures from fewer answers than this are withheld")
    templates: dict[SurveyTemplate, Figures]


READ: Responses = {
    **UNAUTHENTICATED,
    403: {"model": Problem, "description": "Only district coordinators and state admins read program figures"},
    404: {"model": Problem, "description": "Unknown program, or one of another district"},
}


async def _district(campaigns: CampaignService, caller: Principal, program_id: str, manage: bool) -> str:
    """The program's district when the caller reads (or, with ``manage``, manages) it; 404 otherwise."""
    district = await campaigns.repo.program_district(program_id)
    allowed = district is not None and (caller.manages_district(district) if manage else caller.reads_district(district))
    if district is None or not allowed:
        raise not_found(f"program {program_id}")
    return district


def _out(campaign: dict[str, object], figures: Figures, now: datetime) -> CampaignOut:
    expired = domain.is_expired(campaign["due_at"], now)  # type: ignore[arg-type]
    return CampaignOut.model_validate(
        {**campaign, "id": campaign["_id"], "status": "closed" if expired else "open", "figures": figures}
    )


@router.post(
    "/programs/{program_id}/anonymous-surveys",
    status_code=201,
    summary="Send the anonymous program survey to everyone in the program",
    responses={
        **READ,
        **BAD_BODY,
        403: {"model": Problem, "description": "Only the district's coordinator launches a campaign"},
        409: {"model": Problem, "description": "A campaign is still open, or the program has fewer than k participants"},
    },
)
async def launch_campaign(
    program_id: ProgramId, campaigns: CampaignService, caller: Caller, audit: Audit, body: CampaignIn | None = None
) -> CampaignOut:
    """Every participant known from enrolment and relationship events gets the survey; answers are unlinkable."""
    require_role(caller, Role.DISTRICT_COORDINATOR)
    district = await _district(campaigns, caller, program_id, manage=True)
    try:
        campaign = await campaigns.launch(program_id, district, (body or CampaignIn()).open_days)
    except NotFoundError as exc:
        raise HTTPException(404, str(exc)) from exc
    except ConflictError as exc:
        raise HTTPException(409, str(exc)) from exc
    await audit.record(caller, "campaign.launched", campaign["_id"], district)
    return _out(campaign, Figures(suppressed=True), campaigns.clock())


@router.get(
    "/programs/{program_id}/anonymous-surveys", summary="The program's anonymous campaigns and their figures", responses=READ
)
async def list_campaigns(program_id: ProgramId, campaigns: CampaignService, caller: Caller) -> list[CampaignOut]:
    """Figures come from released answers only and are withheld below k; no answer is ever returned."""
    require_role(caller, *access.FIGURE_READERS)
    await _district(campaigns, caller, program_id, manage=False)
    now = campaigns.clock()
    return [_out(c, figures, now) for c, figures in await campaigns.campaigns(program_id)]


@router.get("/programs/{program_id}/survey-results", summary="The program's survey figures per template", responses=READ)
async def survey_results(program_id: ProgramId, campaigns: CampaignService, caller: Caller) -> ResultsOut:
    """Mean rating, distribution and NPS per template, from named answers and released anonymous ones; withheld below k."""
    require_role(caller, *access.FIGURE_READERS)
    await _district(campaigns, caller, program_id, manage=False)
    return ResultsOut(program_id=program_id, k=campaigns.k, templates=await campaigns.results(program_id))
