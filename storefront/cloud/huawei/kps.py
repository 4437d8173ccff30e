"""SSH key pairs of a customer's project (KPS, part of DEW)."""

from __future__ import annotations

from functools import partial
from typing import Any

from storefront.cloud.huawei.base import HuaweiBase
from storefront.cloud.interface import AgencySession, KeyPair

# The service SDKs (huaweicloudsdk<service>) are imported in the functions that call them:
# all eight cost ~3.2 s and ~63 MB at import (bench: tests/test_local_imports.py's note), and
# a process uses few of them.


class KeyPairCalls(HuaweiBase):
    """Create or import, list and delete key pairs."""

    def _kps(self, session: AgencySession) -> Any:
        from huaweicloudsdkkps.v3 import KpsClient

        return self._service_client(KpsClient, "kps", session)

    def create_key_pair(
        self, *, session: AgencySession, name: str, public_key: str | None = None
    ) -> KeyPair:
        from huaweicloudsdkkps.v3 import model as kps

        client = self._kps(session)
        action = kps.CreateKeypairAction(name=name, type="ssh", public_key=public_key)
        req = kps.CreateKeypairRequest(body=kps.CreateKeypairRequestBody(keypair=action))
        # Not retried: a generated private key lost with the answer cannot be asked again.
        made = self._call(
            "create_keypair", partial(client.create_keypair, req), idempotent=False
        ).keypair
        return KeyPair(
            name=str(made.name),
            fingerprint=str(made.fingerprint or ""),
            public_key=str(made.public_key or ""),
            private_key=made.private_key or None,
        )

    def list_key_pairs(self, *, session: AgencySession) -> tuple[KeyPair, ...]:
        from huaweicloudsdkkps.v3 import model as kps

        client = self._kps(session)
        found: list[KeyPair] = []
        marker = None
        while True:
            req = kps.ListKeypairsRequest(limit="100", marker=marker)
            resp = self._call("list_keypairs", partial(client.list_keypairs, req))
            found += [
                KeyPair(
                    name=str(k.keypair.name),
                    fingerprint=str(k.keypair.fingerprint or ""),
                    public_key=str(k.keypair.public_key or ""),
                )
                for k in resp.keypairs or ()
            ]
            marker = resp.page_info.next_marker if resp.page_info else None
            if not marker:
                return tuple(found)

    def delete_key_pair(self, *, session: AgencySession, name: str) -> None:
        from huaweicloudsdkkps.v3 import model as kps

        client = self._kps(session)
        req = kps.DeleteKeypairRequest(keypair_name=name)
        self._call("delete_keypair", partial(client.delete_keypair, req))
