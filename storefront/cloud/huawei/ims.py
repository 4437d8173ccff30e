"""Public images of a region (IMS ``list_images``)."""

from __future__ import annotations

from functools import partial

from storefront.cloud.huawei.base import HuaweiBase
from storefront.cloud.interface import AgencySession, Image

# The service SDKs (huaweicloudsdk<service>) are imported in the functions that call them:
# all eight cost ~3.2 s and ~63 MB at import (bench: tests/test_local_imports.py's note), and
# a process uses few of them.

_PAGE = 500  # the API's default page


class ImageCalls(HuaweiBase):
    """The images a new server can boot."""

    def list_images(
        self,
        *,
        session: AgencySession,
        os_type: str | None = None,
        platform: str | None = None,
        flavor_id: str | None = None,
    ) -> tuple[Image, ...]:
        from huaweicloudsdkims.v2 import ImsClient
        from huaweicloudsdkims.v2 import model as ims

        client = self._service_client(ImsClient, "ims", session)
        found: list[Image] = []
        marker = None
        while True:
            req = ims.ListImagesRequest(
                imagetype="gold",
                status="active",
                os_type=os_type,
                platform=platform,
                flavor_id=flavor_id,
                limit=_PAGE,
                marker=marker,
            )
            page = self._call("list_images", partial(client.list_images, req)).images or []
            found += [
                Image(
                    image_id=str(i.id),
                    name=str(i.name or ""),
                    os_type=str(i.os_type or "Other"),
                    os_version=str(i.os_version or ""),
                    platform=str(i.platform or ""),
                    min_disk_gb=int(i.min_disk or 0),
                    min_ram_mb=int(i.min_ram or 0),
                    max_ram_mb=int(i.max_ram) if i.max_ram else None,
                )
                for i in page
            ]
            if len(page) < _PAGE:
                return tuple(found)
            marker = page[-1].id
