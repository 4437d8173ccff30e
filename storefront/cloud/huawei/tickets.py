"""Service tickets at the provider (OSM open APIs, ``huaweicloudsdkosm`` v2), with the
partner's own AK/SK: create a case, read it and its messages, add a message, close or cancel.
Field names and codes from the SDK's models (``CreateOrderIncidentV2Req``,
``IncidentDetailInfoV2``, ``IncidentMessageV2``, ``QueryMessageInfoV2``, ``UpdateCasesRequest``).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from functools import partial
from typing import Any

from storefront.cloud.huawei.base import PAGE, HuaweiBase, credentials, http_config
from storefront.cloud.interface import (
    CaseAction,
    CaseMessage,
    CloudConfigError,
    ProviderCase,
    case_state,
)

# The service SDKs (huaweicloudsdk<service>) are imported in the functions that call them:
# all eight cost ~3.2 s and ~63 MB at import (bench: tests/test_local_imports.py's note), and
# a process uses few of them.

# ``CreateOrderIncidentV2Req.source_id``: "工单来源，当前固定为83aeb0f2834c4df49826c781d32a963e"
CASE_SOURCE_ID = "83aeb0f2834c4df49826c781d32a963e"


def _when(value: Any) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _message(m: Any) -> CaseMessage:
    created = _when(getattr(m, "create_time", None))
    content = str(m.content or "")
    ident = (
        getattr(m, "message_id", None)
        or hashlib.sha256(f"{created}|{m.replier}|{content}".encode()).hexdigest()[:32]
    )
    return CaseMessage(
        message_id=str(ident),
        content=content,
        from_provider=m.type == 1,
        author=str(m.replier_name or m.replier or ""),
        created_at=created,
    )


class TicketCalls(HuaweiBase):
    """The OSM calls the ticket desk makes."""

    def _osm(self) -> Any:
        from huaweicloudsdkosm.v2 import OsmClient

        if not self._settings.osm_endpoint:
            raise CloudConfigError("STOREFRONT_CLOUD_OSM_ENDPOINT is not set")
        return (
            OsmClient.new_builder()
            .with_http_config(http_config(self._settings))
            .with_credentials(credentials(self._settings))
            .with_endpoint(self._settings.osm_endpoint)
            .build()
        )

    def create_case(self, *, description: str, customer_ref: str | None = None) -> str:
        from huaweicloudsdkosm.v2 import model as osm

        business, category, sub_type = self._settings.osm_case_type
        if not business:
            raise CloudConfigError("STOREFRONT_CLOUD_OSM_CASE_TYPE is not set")
        body = osm.CreateOrderIncidentV2Req(
            business_type_id=business,
            product_category_id=category,
            incident_sub_type_id=sub_type,
            simple_description=description,
            source_id=CASE_SOURCE_ID,
            extends_map={"partner_ref": customer_ref} if customer_ref else None,
        )
        client = self._osm()
        req = osm.CreateCasesRequest(body=body)
        # Not retried: a second create would open a second case.
        resp = self._call("create_cases", partial(client.create_cases, req), idempotent=False)
        return str(resp.incident_id)

    def show_case(self, *, case_id: str) -> ProviderCase:
        from huaweicloudsdkosm.v2 import model as osm

        client = self._osm()
        req = osm.ShowCaseDetailRequest(case_id=case_id)
        info = self._call("show_case_detail", partial(client.show_case_detail, req))
        detail = info.incident_detail_info
        status = int(detail.status if detail.status is not None else 0)
        return ProviderCase(
            case_id=str(detail.incident_id or case_id),
            status=status,
            state=case_state(status),
            description=str(detail.simple_description or ""),
            messages=tuple(_message(m) for m in detail.message_list or ()),
        )

    def list_cases(self, *, offset: int = 0, limit: int = 10) -> tuple[ProviderCase, ...]:
        from huaweicloudsdkosm.v2 import model as osm

        client = self._osm()
        req = osm.ListCasesRequest(offset=offset, limit=limit)
        resp = self._call("list_cases", partial(client.list_cases, req))
        return tuple(
            ProviderCase(
                case_id=str(c.incident_id),
                status=int(c.status or 0),
                state=case_state(int(c.status or 0)),
                description=str(c.simple_description or ""),
            )
            for c in resp.incident_info_list or ()
        )

    def list_case_messages(self, *, case_id: str) -> tuple[CaseMessage, ...]:
        from huaweicloudsdkosm.v2 import model as osm

        client = self._osm()
        found: list[CaseMessage] = []
        while True:
            req = osm.ListMessagesRequest(case_id=case_id, offset=len(found), limit=PAGE)
            resp = self._call("list_messages", partial(client.list_messages, req))
            page = [_message(m) for m in resp.message_list or ()]
            found += page
            if len(page) < PAGE or len(found) >= int(resp.count or 0):
                return tuple(found)

    def add_case_message(self, *, case_id: str, content: str) -> None:
        from huaweicloudsdkosm.v2 import model as osm

        client = self._osm()
        body = osm.CreateMessageV2Req(message=osm.CreateMessageDoV2(content=content))
        req = osm.CreateMessagesRequest(case_id=case_id, body=body)
        self._call("create_messages", partial(client.create_messages, req), idempotent=False)

    def end_case(self, *, case_id: str, action: CaseAction) -> None:
        from huaweicloudsdkosm.v2 import model as osm

        client = self._osm()
        req = osm.UpdateCasesRequest(
            case_id=case_id, action_id=action.value, body=osm.WorkOrderOperateV2Req()
        )
        self._call("update_cases", partial(client.update_cases, req))
