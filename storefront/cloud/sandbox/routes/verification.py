"""SMS verification codes: ``POST /v2/bases/verificationcode/send`` (partner API "send a
verification code", mc_00024) and the check other calls make of the code they are given.

Documented behaviour: ``receiver_type`` 1 (SMS) to a mainland China mobile (``13XXXXXXXXX``);
``timeout`` in minutes (default 10, values over 60 mean 5); ``scene`` 29 registration (default)
or 18 individual bank-card real-name (then ``customer_id`` is required); answer 204 without a
body; at most 15 codes an hour and 60 a day per number (``CBC.99004015``). Checking a code
(create customer, bank-card real-name): ``CBC.99004008`` expired, ``CBC.99004009`` more than 3
wrong tries, ``CBC.99004010`` wrong code. A code is used once.

The control route ``GET /_sandbox/verification-codes?mobile=`` shows the last code "sent" to a
number, since the sandbox sends no SMS.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta

from flask import Blueprint, Response, request
from sqlalchemy import String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from storefront.cloud.sandbox.models import Base
from storefront.cloud.sandbox.state import sandbox_state
from storefront.cloud.sandbox.wire import ApiError, bad_request, body, field, respond

bp = Blueprint("sandbox_verification", __name__)
control_bp = Blueprint("sandbox_verification_control", __name__, url_prefix="/_sandbox")

SCENE_REGISTER = 29
SCENE_BANK_CARD = 18
MAX_PER_HOUR, MAX_PER_DAY = 15, 60
MAX_FAILURES = 3
_MOBILE = re.compile(r"^1\d{10}$")


class VerificationCode(Base):
    """One code sent to a mobile for a scene."""

    __tablename__ = "sandbox_verification_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    mobile: Mapped[str] = mapped_column(String(32), index=True)
    scene: Mapped[int] = mapped_column()
    code: Mapped[str] = mapped_column(String(8))
    customer_id: Mapped[str | None] = mapped_column(String(32))
    sent_at: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()
    failures: Mapped[int] = mapped_column(default=0)
    used: Mapped[bool] = mapped_column(default=False)


def _now() -> datetime:
    return sandbox_state().now().replace(tzinfo=None)


def _timeout_minutes(value: int | None) -> int:
    if value is None:
        return 10
    if value < 1:
        raise bad_request("timeout must be a positive number of minutes.")
    return 5 if value > 60 else value


@bp.post("/v2/bases/verificationcode/send")
def send_verification_code() -> Response:
    data = body()
    receiver_type = field(data, "receiver_type", int, required=True)
    mobile = field(data, "mobile_phone", str)
    scene = field(data, "scene", int) or SCENE_REGISTER
    customer_id = field(data, "customer_id", str)
    lang = field(data, "lang", str) or "zh-cn"
    minutes = _timeout_minutes(field(data, "timeout", int))
    if receiver_type != 1:
        raise bad_request("receiver_type must be 1 (SMS).")
    if mobile is None or not _MOBILE.match(mobile):
        raise bad_request("mobile_phone must be a Chinese mainland mobile number like 13XXXXXXXXX.")
    if scene not in (SCENE_REGISTER, SCENE_BANK_CARD):
        raise bad_request("scene must be 29 (registration) or 18 (bank-card real-name).")
    if scene == SCENE_BANK_CARD and not customer_id:
        raise bad_request("customer_id is required when scene is 18.")
    if lang not in ("zh-cn", "en-us"):
        raise bad_request("lang must be zh-cn or en-us.")
    now = _now()
    with sandbox_state().db.session() as s:
        sent = select(func.count()).where(VerificationCode.mobile == mobile)
        hour = s.scalar(sent.where(VerificationCode.sent_at > now - timedelta(hours=1))) or 0
        day = s.scalar(sent.where(VerificationCode.sent_at > now - timedelta(days=1))) or 0
        if hour >= MAX_PER_HOUR or day >= MAX_PER_DAY:
            raise bad_request(
                "The verification code sending limit is reached (15 per hour, 60 per day).",
                "CBC.99004015",
            )
        s.add(
            VerificationCode(
                mobile=mobile,
                scene=scene,
                code=f"{secrets.randbelow(10**6):06d}",
                customer_id=customer_id,
                sent_at=now,
                expires_at=now + timedelta(minutes=minutes),
            )
        )
    return Response(status=204)


def check_code(*, mobile: str, code: str | None, scene: int) -> int:
    """Check ``code`` against the last one sent to ``mobile`` for ``scene``; its id, for
    :func:`use_code` once the call succeeds. A wrong try is counted even though the call fails."""
    if not code:
        raise bad_request("verification_code is required with mobile_phone.")
    refusal: ApiError | None = None
    with sandbox_state().db.session() as s:
        last = s.scalar(
            select(VerificationCode)
            .where(VerificationCode.mobile == mobile, VerificationCode.scene == scene)
            .order_by(VerificationCode.sent_at.desc(), VerificationCode.id.desc())
            .limit(1)
        )
        if last is None or last.used:
            refusal = bad_request("The verification code is wrong.", "CBC.99004010")
        elif last.expires_at <= _now():
            refusal = bad_request("The verification code has expired.", "CBC.99004008")
        elif last.failures > MAX_FAILURES:
            refusal = bad_request(
                "The verification code failed more than 3 times; send a new one.", "CBC.99004009"
            )
        elif not secrets.compare_digest(last.code, code):
            last.failures += 1
            refusal = bad_request("The verification code is wrong.", "CBC.99004010")
        code_id = last.id if last is not None else 0
    if refusal is not None:
        raise refusal
    return code_id


def use_code(s: Session, code_id: int) -> None:
    """A code is good for one call."""
    row = s.get(VerificationCode, code_id)
    if row is not None:
        row.used = True


@control_bp.get("/verification-codes")
def last_code() -> Response:
    """Sandbox only: the last code sent to ``?mobile=`` (``&scene=``, default any)."""
    mobile = request.args.get("mobile", "")
    query = select(VerificationCode).where(VerificationCode.mobile == mobile)
    if scene := request.args.get("scene", type=int):
        query = query.where(VerificationCode.scene == scene)
    with sandbox_state().db.session() as s:
        last = s.scalar(
            query.order_by(VerificationCode.sent_at.desc(), VerificationCode.id.desc()).limit(1)
        )
        if last is None:
            return respond({"error_code": "CBC.0100", "error_msg": "No code sent."}, 404)
        return respond(
            {
                "mobile": last.mobile,
                "code": last.code,
                "scene": last.scene,
                "sent_at": last.sent_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "expires_at": last.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "used": last.used,
            }
        )


__all__ = ["bp", "check_code", "control_bp", "use_code"]
