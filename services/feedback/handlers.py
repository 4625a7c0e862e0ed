"""Event handlers: validate the envelope, call one use case. No ``from __future__``: FastStream reads the hints."""

from typing import Annotated

from faststream import Context

from shared.contracts.envelope import CloudEvent
from shared.contracts.matching import RelationshipStarted

from .workflow import Feedback


async def on_relationship_started(
    event: CloudEvent[RelationshipStarted], feedback: Annotated[Feedback, Context("feedback")]
) -> None:
    """Issue the 30-day match-quality survey to the mentor and to the mentee."""
    await feedback.issue_for(event.data, event.district)
