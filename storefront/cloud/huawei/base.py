"""What every part of the Huawei Cloud client shares: SDK transport and credentials, the
retrying call wrapper, service clients in a customer's project, and value conversions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial
from typing import Any, TypeVar

from huaweicloudsdkbss.v2 import BssClient
from huaweicloudsdkcore.auth.credentials import BasicCredentials, GlobalCredentials
from huaweicloudsdkcore.http.http_config import HttpConfig

from storefront.cloud.interface import AgencySession, PeriodType, ResourceRequest
from storefront.cloud.quota import budget_for
from storefront.cloud.settings import CloudSettings
from storefront.cloud.upstream import call_with_retries

# The service SDKs (huaweicloudsdk<service>) are imported in the functions that call them:
# all eight cost ~3.2 s and ~63 MB at import (bench: tests/test_local_imports.py's note), and
# a process uses few of them.

T = TypeVar("T")

PAGE = 100  # page size of every listing call


def http_config(settings: CloudSettings) -> HttpConfig:
    """SDK transport settings: our timeouts, and no SDK-level retries (we retry ourselves)."""
    config = HttpConfig.get_default_config()
    config.timeout = (min(settings.timeout_s, 5.0), settings.timeout_s)
    config.retry_times = 0
    return config


def credentials(settings: CloudSettings) -> GlobalCredentials:
    """Partner AK/SK with the account id set, so the SDK never asks IAM for it."""
    creds = GlobalCredentials(settings.ak, settings.sk, settings.domain_id)
    creds.iam_endpoint = settings.iam_endpoint
    return creds


def dec(value: Any) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal(0)


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def period_word(request: ResourceRequest) -> str:
    """The ``period_type`` word of the ECS, EVS and EIP create calls."""
    return "month" if request.period is PeriodType.MONTH else "year"


def utc_text(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


class HuaweiBase:
    """The client's state: settings, the partner's BSS client, the call budget."""

    def __init__(self, settings: CloudSettings) -> None:
        self._settings = settings
        self._budget = budget_for(settings.quota_storage, settings.quota_scale)
        self._bss: BssClient = (
            BssClient.new_builder()
            .with_http_config(http_config(settings))
            .with_credentials(credentials(settings))
            .with_endpoint(settings.bss_endpoint)
            .build()
        )

    @property
    def settings(self) -> CloudSettings:
        return self._settings

    def _call(self, operation: str, fn: Callable[[], T], *, idempotent: bool = True) -> T:
        return call_with_retries(
            fn,
            operation=operation,
            retries=self._settings.retries,
            backoff_s=self._settings.backoff_s,
            idempotent=idempotent,
            budget=self._budget,
        )

    def _offset_pages(
        self, operation: str, fetch: Callable[[int], Any], items: Callable[[Any], Any]
    ) -> Iterator[Any]:
        """Every item of an offset-paged BSS listing: ``fetch(offset)`` builds and sends one
        page's request (``limit=PAGE``), ``items(answer)`` picks that page's rows; pages are
        asked for until one is empty or ``total_count`` rows have come."""
        seen = 0
        while True:
            answer = self._call(operation, partial(fetch, seen))
            page = items(answer) or []
            yield from page
            seen += len(page)
            if not page or seen >= (answer.total_count or 0):
                return

    def _service_client(self, builder: Any, service: str, session: AgencySession) -> Any:
        creds = BasicCredentials(
            session.access_key, session.secret_key, session.project_id
        ).with_security_token(session.security_token)
        creds.iam_endpoint = self._settings.iam_endpoint
        return (
            builder.new_builder()
            .with_http_config(http_config(self._settings))
            .with_credentials(creds)
            .with_endpoint(self._settings.service_url(service, session.region))
            .build()
        )

    def _iam(self, creds: GlobalCredentials) -> Any:
        from huaweicloudsdkiam.v3 import IamClient

        return (
            IamClient.new_builder()
            .with_http_config(http_config(self._settings))
            .with_credentials(creds)
            .with_endpoint(self._settings.iam_endpoint)
            .build()
        )

    def _partner_iam(self) -> Any:
        return self._iam(credentials(self._settings))

    def _assume_agency(
        self, partner_iam: Any, customer_id: str, duration_s: int, session_user: str | None = None
    ) -> Any:
        """Temporary AK/SK + security token in the customer's account (the granted agency)."""
        from huaweicloudsdkiam.v3 import model as iam

        role = iam.IdentityAssumerole(
            agency_name=self._settings.agency, domain_id=customer_id, duration_seconds=duration_s
        )
        if session_user is not None:
            role.session_user = iam.AssumeroleSessionuser(name=session_user)
        body = iam.CreateTemporaryAccessKeyByAgencyRequestBody(
            auth=iam.AgencyAuth(
                identity=iam.AgencyAuthIdentity(methods=["assume_role"], assume_role=role)
            )
        )
        return self._call(
            "create_temporary_access_key_by_agency",
            lambda: partner_iam.create_temporary_access_key_by_agency(
                iam.CreateTemporaryAccessKeyByAgencyRequest(body=body)
            ),
        ).credential
