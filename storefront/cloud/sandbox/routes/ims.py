"""IMS: the region's public images (``GET /v2/cloudimages``, ``ListImages``).

The region is the signing project's (``X-Project-Id``, sent by the SDK's project credentials).
Filters as the ``ListImagesRequest`` model documents them: ``__imagetype`` (only ``gold``
images exist here), ``__os_type``, ``__platform``, ``status``, ``visibility``, ``id``,
``name``, ``min_disk``, ``flavor_id`` (images the flavour can boot: its memory within the
image's ``min_ram``/``max_ram``), paged by ``limit`` (default 500) and ``marker`` (an image id).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from storefront.cloud.sandbox.buying import own_project
from storefront.cloud.sandbox.images import PUBLIC_IMAGES, PublicImage, flavor_memory_mb
from storefront.cloud.sandbox.state import sandbox_state
from storefront.cloud.sandbox.wire import ApiError, respond

bp = Blueprint("sandbox_ims", __name__)


def image_json(image: PublicImage, region: str) -> dict[str, Any]:
    return {
        "id": image.image_id(region),
        "name": image.name,
        "__imagetype": "gold",
        "__os_type": image.os_type,
        "__os_version": image.os_version,
        "__platform": image.platform,
        "__os_bit": "64",
        "__support_kvm": "true",
        "__isregistered": "true",
        "min_disk": image.min_disk,
        "min_ram": image.min_ram,
        "max_ram": str(image.max_ram) if image.max_ram else "",
        "status": "active",
        "visibility": "public",
        "protected": True,
        "disk_format": "zvhd2",
        "container_format": "bare",
        "virtual_env_type": "FusionCompute",
        "tags": [],
    }


def _boots_on(image: PublicImage, flavor_id: str) -> bool:
    memory = flavor_memory_mb(flavor_id)
    if memory is None:
        return False
    return memory >= image.min_ram and (image.max_ram is None or memory <= image.max_ram)


def _matches(image: PublicImage, region: str, args: Any) -> bool:
    wanted = {
        "__imagetype": "gold",
        "__os_type": image.os_type,
        "__platform": image.platform,
        "status": "active",
        "visibility": "public",
        "id": image.image_id(region),
        "name": image.name,
    }
    for name, value in wanted.items():
        if name in args and args[name] != value:
            return False
    if "min_disk" in args and str(image.min_disk) != args["min_disk"]:
        return False
    return "flavor_id" not in args or _boots_on(image, args["flavor_id"])


@bp.get("/v2/cloudimages")
def list_images() -> Response:
    project_id = request.headers.get("X-Project-Id", "")
    with sandbox_state().db.session() as s:
        region = own_project(s, project_id).region
    try:
        limit = int(request.args.get("limit") or 500)
    except ValueError:
        raise ApiError(400, "IMG.0001", "The parameter limit is invalid.") from None
    found = [i for i in PUBLIC_IMAGES if _matches(i, region, request.args)]
    marker = request.args.get("marker")
    if marker:
        ids = [i.image_id(region) for i in found]
        found = found[ids.index(marker) + 1 :] if marker in ids else []
    return respond({"images": [image_json(i, region) for i in found[: max(1, limit)]]})
