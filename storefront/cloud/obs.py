"""Real-name attachments to the partner's OBS bucket, through the official OBS SDK.

The provider reads a real-name ``verified_file_url`` from the partner's bucket under its
``download/`` folder (partner API mc_00017; the Partner Center's "real-name attachment upload"
switch names the bucket). ``esdk-obs-python`` signs each call; against the sandbox (an IP
address) it talks path style, against ``obs.{region}.myhuaweicloud.com`` virtual-host style.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from storefront.cloud.interface import CloudConfigError, UpstreamRejected, UpstreamUnavailable
from storefront.cloud.settings import CloudSettings
from storefront.cloud.upstream import call_with_retries

if TYPE_CHECKING:
    from obs import ObsClient

FOLDER = "download/"


def _client(settings: CloudSettings) -> ObsClient:
    if not settings.obs_bucket or not settings.obs_endpoint:
        raise CloudConfigError(
            "STOREFRONT_CLOUD_OBS_BUCKET and STOREFRONT_CLOUD_OBS_ENDPOINT are needed to send "
            "real-name attachments"
        )
    # imported here: the OBS SDK costs a process ~150 ms to import, and only a real-name
    # submission with attachments needs it
    from obs import ObsClient

    return ObsClient(
        access_key_id=settings.ak,
        secret_access_key=settings.sk,
        server=settings.obs_endpoint,
        timeout=max(1, int(settings.timeout_s)),
        max_retry_count=0,  # retried by call_with_retries, like every provider call
        is_signature_negotiation=False,
    )


def _put(client: ObsClient, bucket: str, key: str, data: bytes) -> None:
    try:
        resp: Any = client.putContent(bucket, key, data)
    except Exception as exc:  # the SDK raises its own and requests' errors on transport failure
        raise UpstreamUnavailable(f"OBS upload failed: {exc}") from exc
    status = int(resp.status or 0)
    if status >= 500 or status <= 0:
        raise UpstreamUnavailable(f"OBS answered {status}: {resp.errorCode}", status=status)
    if status >= 300:
        raise UpstreamRejected(
            str(resp.errorCode or status), str(resp.errorMessage or ""), status=status
        )


def upload_attachment(settings: CloudSettings, name: str, data: bytes) -> str:
    """Put ``data`` at ``download/{name}`` in the partner's bucket; ``name`` is then what a
    ``verified_file_url`` carries (relative to ``download/``, no bucket)."""
    name = name.lstrip("/")
    client = _client(settings)
    try:
        call_with_retries(
            lambda: _put(client, settings.obs_bucket, FOLDER + name, data),
            operation="obs_put_object",
            retries=settings.retries,
            backoff_s=settings.backoff_s,
            idempotent=True,  # the same key again replaces the same bytes
        )
    finally:
        client.close()
    return name
