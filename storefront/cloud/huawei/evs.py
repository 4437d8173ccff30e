"""Disks in a customer's project (EVS): create, and list with their attachments."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from storefront.cloud.huawei.base import HuaweiBase, period_word
from storefront.cloud.interface import (
    AgencySession,
    CreatedResources,
    ResourceRequest,
    VolumeInfo,
)

# The service SDKs (huaweicloudsdk<service>) are imported in the functions that call them:
# all eight cost ~3.2 s and ~63 MB at import (bench: tests/test_local_imports.py's note), and
# a process uses few of them.


class VolumeCalls(HuaweiBase):
    """Create and list disks."""

    def list_volumes(
        self, *, session: AgencySession, volume_ids: Sequence[str] = ()
    ) -> tuple[VolumeInfo, ...]:
        from huaweicloudsdkevs.v2 import EvsClient
        from huaweicloudsdkevs.v2 import model as evs

        client = self._service_client(EvsClient, "evs", session)
        req = evs.ListVolumesRequest(ids=list(volume_ids) or None, limit=1000)
        resp = self._call("list_volumes", partial(client.list_volumes, req))
        found = []
        for v in resp.volumes or ():
            attachment = (v.attachments or [None])[0]
            found.append(
                VolumeInfo(
                    volume_id=str(v.id),
                    name=str(v.name or ""),
                    status=str(v.status),
                    size_gb=int(v.size or 0),
                    volume_type=str(v.volume_type or ""),
                    bootable=str(v.bootable) == "true",
                    server_id=attachment.server_id if attachment else None,
                    device=attachment.device if attachment else None,
                )
            )
        return tuple(found)

    def _create_volumes(self, session: AgencySession, r: ResourceRequest) -> CreatedResources:
        """``create_volume`` for ``quantity`` disks, made idempotent by the client token."""
        from huaweicloudsdkevs.v2 import EvsClient
        from huaweicloudsdkevs.v2 import model as evs

        client = self._service_client(EvsClient, "evs", session)
        evs_req = evs.CreateVolumeRequest(
            x_client_token=r.client_token,
            body=evs.CreateVolumeRequestBody(
                bss_param=evs.BssParamForCreateVolume(
                    charging_mode="prePaid" if r.prepaid else "postPaid",
                    is_auto_pay="false",
                    is_auto_renew="false",
                    period_num=r.period_count if r.prepaid else None,
                    period_type=period_word(r) if r.prepaid else None,
                ),
                volume=evs.CreateVolumeOption(
                    availability_zone=r.availability_zone or f"{r.region}a",
                    count=r.quantity,
                    name=r.name,
                    size=r.size,
                    volume_type=r.spec,
                    metadata={"storefront_client_token": r.client_token},
                ),
            ),
        )
        evs_resp = self._call("create_volume", lambda: client.create_volume(evs_req))
        return CreatedResources(evs_resp.order_id or None, tuple(evs_resp.volume_ids or ()))
