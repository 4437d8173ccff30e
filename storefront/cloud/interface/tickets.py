"""Service tickets at the provider (#21): the partner's Service Ticket open APIs (OSM,
``huaweicloudsdkosm`` v2, ``/v2/servicerequest/cases``), used to escalate a customer's technical
ticket. Calls in :class:`TicketCalls`, made with the partner's own credentials (devg-bpconsole
"Managing Service Tickets": a partner creates and follows tickets on the partner sales
platform).

Case ``status`` codes, from the SDK's ``IncidentDetailInfoV2.status`` / ``ListCasesRequest``
field docs: 0 pending acceptance, 1 processing, 2 result to be confirmed, 3 completed,
4 cancelled, 5 paused (list only), 12 invalid, 17 awaiting feedback. Message ``type``: 0 the
customer's (ours), 1 the provider engineer's.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class CaseState(enum.StrEnum):
    """What a provider case's ``status`` code means to us."""

    PENDING = "pending"  # 0: not yet accepted
    PROCESSING = "processing"  # 1 processing, 5 paused: the provider is on it
    CONFIRM = "confirm"  # 2: the provider says it is solved; confirm the result
    FEEDBACK = "feedback"  # 17: the provider waits for our answer
    COMPLETED = "completed"  # 3
    CANCELLED = "cancelled"  # 4 cancelled, 12 invalid

    @property
    def finished(self) -> bool:
        return self in (CaseState.COMPLETED, CaseState.CANCELLED)


# one table for the provider's codes (PROVIDER.md: "map each code to our own states")
CASE_STATE: dict[int, CaseState] = {
    0: CaseState.PENDING,
    1: CaseState.PROCESSING,
    2: CaseState.CONFIRM,
    3: CaseState.COMPLETED,
    4: CaseState.CANCELLED,
    5: CaseState.PROCESSING,
    12: CaseState.CANCELLED,
    17: CaseState.FEEDBACK,
}


class CaseAction(enum.StrEnum):
    """``UpdateCasesRequest.action_id`` values we use (the SDK also documents ``press`` and
    ``delete``)."""

    CLOSE = "close"
    CANCEL = "cancel"


@dataclass(frozen=True, slots=True)
class CaseMessage:
    """One message of a case (``IncidentMessageV2``): ``from_provider`` when its ``type`` is
    1 (a provider engineer), else ours."""

    message_id: str
    content: str
    from_provider: bool
    author: str
    created_at: datetime | None


@dataclass(frozen=True, slots=True)
class ProviderCase:
    case_id: str
    status: int  # the provider's code
    state: CaseState
    description: str
    messages: tuple[CaseMessage, ...] = ()


def case_state(code: int) -> CaseState:
    """Our reading of a provider status code; an undocumented one counts as processing."""
    return CASE_STATE.get(code, CaseState.PROCESSING)


class TicketCalls(Protocol):
    def create_case(self, *, description: str, customer_ref: str | None = None) -> str:
        """Open a case (the configured problem type, ``simple_description``); its id."""
        ...

    def show_case(self, *, case_id: str) -> ProviderCase:
        """The case's status and its messages (``show_case_detail``)."""
        ...

    def list_cases(self, *, offset: int = 0, limit: int = 10) -> tuple[ProviderCase, ...]:
        """The partner's cases, without messages (``list_cases``)."""
        ...

    def list_case_messages(self, *, case_id: str) -> tuple[CaseMessage, ...]:
        """Every message of the case (``list_messages``, paged through)."""
        ...

    def add_case_message(self, *, case_id: str, content: str) -> None: ...

    def end_case(self, *, case_id: str, action: CaseAction) -> None:
        """Close (solved) or cancel (no longer needed) the case (``update_cases``)."""
        ...
