"""Agency sessions in customers' accounts and console sign-in (IAM federation)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote, urlencode, urlsplit

from huaweicloudsdkcore.auth.credentials import GlobalCredentials

from storefront.cloud.huawei.base import HuaweiBase
from storefront.cloud.interface import (
    AgencySession,
    CloudConfigError,
    UpstreamRejected,
)

# The service SDKs (huaweicloudsdk<service>) are imported in the functions that call them:
# all eight cost ~3.2 s and ~63 MB at import (bench: tests/test_local_imports.py's note), and
# a process uses few of them.


class AuthCalls(HuaweiBase):
    """Temporary credentials through the customer's agency; console links."""

    def agency_session(self, *, customer_id: str, region: str) -> AgencySession:
        from huaweicloudsdkiam.v3 import model as iam

        cred = self._assume_agency(self._partner_iam(), customer_id, 3600)
        temp = GlobalCredentials(cred.access, cred.secret, customer_id).with_security_token(
            cred.securitytoken
        )
        temp.iam_endpoint = self._settings.iam_endpoint
        customer_iam = self._iam(temp)
        projects = self._call(
            "keystone_list_auth_projects",
            lambda: customer_iam.keystone_list_auth_projects(iam.KeystoneListAuthProjectsRequest()),
        )
        project = next((p for p in projects.projects or () if p.name == region), None)
        if project is None:
            raise UpstreamRejected(
                "IAM.0004", f"no project for region {region} in the customer's account", status=404
            )
        expires = cred.expires_at
        return AgencySession(
            customer_id=customer_id,
            region=region,
            project_id=project.id,
            access_key=cred.access,
            secret_key=cred.secret,
            security_token=cred.securitytoken,
            expires_at=datetime.fromisoformat(expires.replace("Z", "+00:00")) if expires else None,
        )

    def console_service_url(self, *, product: str, region: str, resource_id: str) -> str:
        template = self._settings.console_links.get(product)
        if not template:
            raise CloudConfigError(f"no console link template for product {product!r}")
        return template.format(
            console_url=self._settings.console_url.rstrip("/"),
            region=quote(region, safe=""),
            id=quote(resource_id, safe=""),
        )

    def console_login_url(self, *, service: str) -> str:
        query = urlencode({"xAccountType": self._settings.xaccount_type, "service": service})
        return f"{self._settings.auth_host.rstrip('/')}/authui/saml/login?{query}"

    def console_hosts(self) -> frozenset[str]:
        hosts = set()
        for url in (self._settings.console_url, self._settings.iam_console_url):
            parts = urlsplit(url)
            if parts.scheme and parts.netloc:
                hosts.add(f"{parts.scheme}://{parts.netloc}".lower())
        return frozenset(hosts)

    LOGIN_TOKEN_S = 600

    BROKER_CREDENTIALS_S = 900

    def console_federation_url(
        self, *, customer_id: str, session_user: str, service: str, idp_login_url: str
    ) -> str:
        from huaweicloudsdkiam.v3 import model as iam

        partner_iam = self._partner_iam()
        cred = self._assume_agency(
            partner_iam, customer_id, self.BROKER_CREDENTIALS_S, session_user=session_user
        )
        login = iam.CreateLoginTokenRequestBody(
            auth=iam.LoginTokenAuth(
                securitytoken=iam.LoginTokenSecurityToken(
                    access=cred.access,
                    secret=cred.secret,
                    id=cred.securitytoken,
                    duration_seconds=self.LOGIN_TOKEN_S,
                )
            )
        )
        resp = self._call(
            "create_login_token",
            lambda: partner_iam.create_login_token(iam.CreateLoginTokenRequest(body=login)),
            idempotent=False,
        )
        token = resp.x_subject_login_token
        if not token:
            raise UpstreamRejected("IAM.0000", "no X-Subject-LoginToken in the answer", status=502)
        query = urlencode({"idp_login_url": idp_login_url, "service": service, "logintoken": token})
        return f"{self._settings.auth_host.rstrip('/')}/authui/federation/login?{query}"
