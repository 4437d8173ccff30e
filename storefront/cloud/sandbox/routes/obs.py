"""The partner's OBS bucket, as the official OBS SDK (``esdk-obs-python``) talks to it.

Path-style object calls (``PUT``/``GET``/``HEAD``/``DELETE /{bucket}/{key}``) signed the way
the SDK signs them (``obs/auth.py``): ``Authorization: OBS {ak}:{signature}`` (its own protocol,
``x-obs-*`` headers) or, as the SDK does in path style, ``AWS {ak}:{signature}`` (V2, ``x-amz-*``
headers); the signature is base64(HMAC-SHA1(sk, string to sign)), the string to sign being the
method, ``Content-MD5``, ``Content-Type``, ``Date`` (empty when the prefix's date header is
sent), the sorted prefixed headers and ``/{bucket}/{key}`` plus the signed sub-resources. A
request more than 15 minutes off is refused (``RequestTimeTooSkewed``); only the bucket's owner
may use it.
Errors are OBS's XML error bodies. Objects are kept in the sandbox database.

Real-name routes read attachments from here: :func:`find_attachment`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import uuid
from email.utils import parsedate_to_datetime
from urllib.parse import quote
from xml.sax.saxutils import escape

from flask import Blueprint, Response, request
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.exceptions import NotFound

from storefront.cloud.sandbox.models import AccessKey
from storefront.cloud.sandbox.obs_models import ObsBucket, ObsObject
from storefront.cloud.sandbox.state import sandbox_state
from storefront.cloud.sandbox.wire import respond

bp = Blueprint("sandbox_obs", __name__)
control_bp = Blueprint("sandbox_obs_control", __name__, url_prefix="/_sandbox/obs")

# Authorization prefix -> the header prefix that protocol signs.
PROTOCOLS = {"OBS": "x-obs-", "AWS": "x-amz-"}
MAX_SKEW_S = 900
MAX_OBJECT_BYTES = 5 * 1024**3
_AUTH_RE = re.compile(r"^(OBS|AWS) ([^:\s]+):(\S+)$")
# Sub-resources the SDK signs (obs/const.py ALLOWED_RESOURCE_PARAMTER_NAMES, those we may meet).
_SUBRESOURCES = frozenset(
    {"acl", "policy", "uploads", "uploadid", "partnumber", "versionid", "tagging", "metadata"}
)
REALNAME_FOLDER = "download/"


class ObsError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.status, self.code, self.message = status, code, message


def is_obs_request() -> bool:
    """An object call signed for OBS (the API gateway's SDK-HMAC check does not apply)."""
    auth = request.headers.get("Authorization", "")
    return request.blueprint == bp.name and auth.startswith(tuple(f"{p} " for p in PROTOCOLS))


def string_to_sign(
    method: str, bucket: str, key: str, headers: dict[str, str], prefix: str = "x-obs-"
) -> str:
    """What the OBS SDK signs (``Authentication.__make_canonical_string``), rebuilt here."""
    wanted = {
        k.lower(): v
        for k, v in headers.items()
        if k.lower() in ("content-type", "content-md5", "date") or k.lower().startswith(prefix)
    }
    if f"{prefix}date" in wanted:
        wanted["date"] = ""
    wanted.setdefault("content-type", "")
    wanted.setdefault("content-md5", "")
    parts = [method + "\n"]
    for name in sorted(wanted):
        value = wanted[name]
        if name.startswith(f"{prefix}meta-"):
            parts.append(f"{name}:{value.strip()}")
        elif name.startswith(prefix):
            parts.append(f"{name}:{value}")
        else:
            parts.append(value)
        parts.append("\n")
    parts.append(f"/{bucket}/{quote(key, safe='/~')}")
    args = sorted((k, v) for k, v in request.args.items(multi=True) if k.lower() in _SUBRESOURCES)
    if args:
        parts.append("?" + "&".join(f"{k}={v}" if v else k for k, v in args))
    return "".join(parts)


def _verify(s: Session, bucket: str, key: str) -> str:
    """The domain id of the signer, or an :class:`ObsError`."""
    match = _AUTH_RE.match(request.headers.get("Authorization", "").strip())
    if not match:
        raise ObsError(403, "AccessDenied", "Authorization header invalid.")
    protocol, ak, given = match.groups()
    prefix = PROTOCOLS[protocol]
    access = s.get(AccessKey, ak)
    if access is None:
        raise ObsError(403, "InvalidAccessKeyId", "The access key id does not exist.")
    raw_date = request.headers.get(f"{prefix}date") or request.headers.get("Date") or ""
    try:
        signed_at = parsedate_to_datetime(raw_date)
    except (TypeError, ValueError):
        raise ObsError(403, "AccessDenied", "The Date header is missing or invalid.") from None
    if abs((sandbox_state().now() - signed_at).total_seconds()) > MAX_SKEW_S:
        raise ObsError(403, "RequestTimeTooSkewed", "The request time is too skewed.")
    to_sign = string_to_sign(request.method, bucket, key, dict(request.headers.items()), prefix)
    digest = hmac.new(access.sk.encode(), to_sign.encode("utf-8"), hashlib.sha1).digest()
    if not hmac.compare_digest(base64.b64encode(digest).decode(), given):
        raise ObsError(
            403,
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match the signature you provided.",
        )
    return access.domain_id


def _bucket(s: Session, name: str, caller: str) -> ObsBucket:
    bucket = s.get(ObsBucket, name)
    if bucket is None:
        raise ObsError(404, "NoSuchBucket", "The specified bucket does not exist.")
    if bucket.owner_id != caller:
        raise ObsError(403, "AccessDenied", "Access Denied.")
    return bucket


@bp.route("/<bucket>/<path:key>", methods=["GET", "HEAD", "PUT", "DELETE", "POST"])
def object_call(bucket: str, key: str) -> Response:
    if not is_obs_request() or request.method == "POST":
        raise NotFound()  # not an OBS call: the gateway's "API does not exist"
    try:
        with sandbox_state().db.session() as s:
            found = _bucket(s, bucket, _verify(s, bucket, key))
            return _apply(s, found, key)
    except ObsError as exc:
        return _error(exc)


def _apply(s: Session, bucket: ObsBucket, key: str) -> Response:
    if request.method == "PUT":
        data = request.get_data()
        if len(data) > MAX_OBJECT_BYTES:
            raise ObsError(400, "EntityTooLarge", "Your proposed upload exceeds the limit.")
        md5 = request.headers.get("Content-MD5")
        if md5 and md5 != base64.b64encode(hashlib.md5(data).digest()).decode():  # noqa: S324
            raise ObsError(400, "BadDigest", "The Content-MD5 you specified did not match.")
        etag = '"' + hashlib.md5(data).hexdigest() + '"'  # noqa: S324 - OBS's ETag is an MD5
        obj = s.get(ObsObject, (bucket.name, key))
        if obj is None:
            obj = ObsObject(bucket=bucket.name, key=key, content=b"", etag="")
            s.add(obj)
        obj.content, obj.etag = data, etag
        obj.content_type = request.headers.get("Content-Type") or None
        return _ok(Response(status=200, headers={"ETag": etag}))
    obj = s.get(ObsObject, (bucket.name, key))
    if obj is None:
        raise ObsError(404, "NoSuchKey", "The specified key does not exist.")
    if request.method == "DELETE":
        s.delete(obj)
        return _ok(Response(status=204))
    headers = {"ETag": obj.etag, "Content-Length": str(len(obj.content))}
    resp = Response(
        b"" if request.method == "HEAD" else obj.content,
        status=200,
        mimetype=obj.content_type or "binary/octet-stream",
    )
    resp.headers.update(headers)
    return _ok(resp)


def _ok(resp: Response) -> Response:
    resp.headers["x-obs-request-id"] = uuid.uuid4().hex[:16].upper()
    return resp


def _error(exc: ObsError) -> Response:
    request_id = uuid.uuid4().hex[:16].upper()
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error>'
        f"<Code>{escape(exc.code)}</Code><Message>{escape(exc.message)}</Message>"
        f"<RequestId>{request_id}</RequestId></Error>"
    )
    body = b"" if request.method == "HEAD" else xml.encode()
    resp = Response(body, status=exc.status, mimetype="application/xml")
    resp.headers["x-obs-request-id"] = request_id
    return resp


def find_attachment(s: Session, partner_id: str, relative: str) -> ObsObject | None:
    """The object ``relative`` (a real-name ``verified_file_url``) names under ``download/`` in
    ``partner_id``'s bucket that has the real-name attachment switch on, if any."""
    if not relative or relative.startswith("/") or ".." in relative.split("/"):
        return None
    buckets = s.scalars(
        select(ObsBucket.name).where(
            ObsBucket.owner_id == partner_id, ObsBucket.realname_attachments.is_(True)
        )
    ).all()
    for name in buckets:
        found = s.get(ObsObject, (name, REALNAME_FOLDER + relative))
        if found is not None:
            return found
    return None


@control_bp.get("/objects")
def list_objects() -> Response:
    """Sandbox only: ``?bucket=&prefix=`` -> ``{items: [{key, size, md5, content_type}]}``."""
    bucket = request.args.get("bucket", "")
    prefix = request.args.get("prefix", "")
    with sandbox_state().db.session() as s:
        rows = s.scalars(
            select(ObsObject)
            .where(ObsObject.bucket == bucket, ObsObject.key.startswith(prefix, autoescape=True))
            .order_by(ObsObject.key)
        ).all()
        items = [
            {
                "key": o.key,
                "size": len(o.content),
                "md5": hashlib.md5(o.content).hexdigest(),  # noqa: S324
                "content_type": o.content_type,
            }
            for o in rows
        ]
    return respond({"bucket": bucket, "items": items})


__all__ = ["bp", "control_bp", "find_attachment", "is_obs_request", "string_to_sign"]
