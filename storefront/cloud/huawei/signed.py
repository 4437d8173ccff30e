"""Signed calls the SDK documents but does not wrap (e.g. sub-customer freeze).

The request is signed by the SDK's own ``Signer``; transport is ``requests``.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import requests
from huaweicloudsdkcore.exceptions import exceptions as sdk_exc
from huaweicloudsdkcore.exceptions.exception_handler import DefaultExceptionHandler
from huaweicloudsdkcore.sdk_request import SdkRequest

from storefront.cloud.huawei.base import credentials
from storefront.cloud.quota import budget_for
from storefront.cloud.settings import CloudSettings
from storefront.cloud.upstream import call_with_retries


class SignedRequester:
    """Send AK/SK-signed JSON requests to one provider endpoint."""

    def __init__(self, settings: CloudSettings, endpoint: str | None = None) -> None:
        self._settings = settings
        self._endpoint = (endpoint or settings.bss_endpoint).rstrip("/")
        self._credentials = credentials(settings)
        self._session = requests.Session()
        self._session.trust_env = False  # never detour through an environment proxy

    def close(self) -> None:
        self._session.close()

    def request(
        self,
        method: str,
        path: str,
        *,
        body: Any = None,
        query: dict[str, str] | None = None,
        idempotent: bool = False,
    ) -> dict[str, Any]:
        """Sign and send; return the decoded JSON body (``{}`` when empty)."""
        return call_with_retries(
            lambda: self._send(method, path, body, query),
            operation=f"{method} {path}",
            retries=self._settings.retries,
            backoff_s=self._settings.backoff_s,
            idempotent=idempotent,
            budget=budget_for(self._settings.quota_storage, self._settings.quota_scale),
            api=f"{method.upper()} {path}",
        )

    def _send(
        self, method: str, path: str, body: Any, query: dict[str, str] | None
    ) -> dict[str, Any]:
        url = urlsplit(self._endpoint)
        data = json.dumps(body).encode() if body is not None else b""
        sdk_request = SdkRequest(
            method=method.upper(),
            schema=url.scheme,
            host=url.netloc,
            resource_path=url.path + path,
            query_params=sorted((query or {}).items()),
            header_params={"Content-Type": "application/json;charset=UTF-8"},
            body=data,
        )
        signed = self._credentials.sign_request(sdk_request)
        timeout = (min(self._settings.timeout_s, 5.0), self._settings.timeout_s)
        response = self._session.request(
            signed.method,
            signed.url,
            headers=signed.header_params,
            data=signed.body or None,
            timeout=timeout,
            allow_redirects=False,
        )
        if response.status_code >= 400:
            DefaultExceptionHandler().handle_exception(response.request, response)
        if not response.content:
            return {}
        try:
            decoded = json.loads(response.text, parse_float=Decimal)
        except ValueError as exc:
            raise sdk_exc.SdkException(f"invalid JSON from {path}: {exc}") from exc
        return decoded if isinstance(decoded, dict) else {"data": decoded}
