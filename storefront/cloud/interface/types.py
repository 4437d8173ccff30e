"""Value types of the customer, real-name, catalogue and rating calls."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

# --------------------------------------------------------------------------- enums


class IdentityKind(enum.StrEnum):
    """What ``check_user_identity`` looks up (the provider's ``search_type``)."""

    NAME = "name"
    MOBILE = "mobile"
    EMAIL = "email"


class VerifiedStatus(enum.IntEnum):
    """Real-name status of a provider account."""

    UNVERIFIED = -1
    REVIEWING = 0
    REJECTED = 1
    VERIFIED = 2


class ChargeMode(enum.StrEnum):
    """Billing mode of a spec in the catalogue."""

    PERIOD = "1"  # yearly / monthly
    ON_DEMAND = "3"


class PeriodType(enum.IntEnum):
    """Unit of a prepaid period."""

    MONTH = 2
    YEAR = 3


class FreezeMode(enum.StrEnum):
    """What a freeze covers at the provider (``freeze_type`` / ``unfreeze_type``)."""

    ACCOUNT = "ACCOUNT"
    ACCOUNT_AND_RESOURCE = "ACCOUNT_AND_RESOURCE"


class SizeUnit(enum.IntEnum):
    """Measure of a linear product's size (the provider's ``size_measure_id``)."""

    COUNT = 14
    MBIT_S = 15
    GB = 17


# --------------------------------------------------------------------------- customers


@dataclass(frozen=True, slots=True)
class IdentityCheck:
    available: bool
    mobile_remaining: int | None = None


@dataclass(frozen=True, slots=True)
class NewSubCustomer:
    customer_id: str
    account_name: str


@dataclass(frozen=True, slots=True)
class SubCustomer:
    customer_id: str
    account_name: str
    associated_on: datetime | None
    association_type: str | None
    verified_status: VerifiedStatus
    frozen: bool
    xaccount_id: str | None = None
    xaccount_type: str | None = None
    mobile: str | None = None
    email: str | None = None
    realname: str | None = None
    customer_type: int | None = None


@dataclass(frozen=True, slots=True)
class SubCustomerPage:
    items: tuple[SubCustomer, ...]
    total: int


# --------------------------------------------------------------------------- real-name


class ReviewResult(enum.IntEnum):
    """``show_realname_authentication_review_result``'s ``review_result``."""

    REVIEWING = 0
    REJECTED = 1
    PASSED = 2


@dataclass(frozen=True, slots=True)
class RealnameSubmitted:
    manual_review: bool


class IdentityDocument(enum.IntEnum):
    """The documented ``verified_type`` values of an individual's identity-document route
    (``identify_type`` 0); each takes three images in the order the SDK's field doc gives."""

    PASSPORT = 3  # data page, entry stamp page, holding the data page
    HK_MACAO_PERMIT = 5  # front (portrait), back, holding the front
    TAIWAN_PERMIT = 6  # front (portrait), back, holding the front
    HK_MACAO_RESIDENCE = 9  # portrait side, emblem side, holding the portrait side
    TAIWAN_RESIDENCE = 10  # portrait side, emblem side, holding the portrait side


@dataclass(frozen=True, slots=True)
class BankCard:
    """The bank-card route (``identify_type`` 4): the card, the mobile the bank has on file and
    the code ``send_verification_code`` (scene 18) sent to it."""

    account: str
    mobile: str  # 1XXXXXXXXXX, mainland only
    verification_code: str
    areacode: str = "0086"


@dataclass(frozen=True, slots=True)
class RealnameReview:
    result: ReviewResult | None  # None: nothing submitted yet
    opinion: str | None = None


# --------------------------------------------------------------------------- catalogue


@dataclass(frozen=True, slots=True)
class ServiceType:
    code: str
    name: str
    abbreviation: str | None = None


@dataclass(frozen=True, slots=True)
class ResourceSpec:
    service_type: str
    resource_type: str
    spec: str
    name: str
    region: str
    charge_mode: ChargeMode
    service_type_name: str | None = None
    resource_type_name: str | None = None
    vcpus: int | None = None
    memory_gib: Decimal | None = None


# --------------------------------------------------------------------------- ratings


@dataclass(frozen=True, slots=True)
class RatingItem:
    """One line to price. ``key`` is echoed back in the result (unique per call)."""

    key: str
    service_type: str
    resource_type: str
    spec: str
    region: str
    quantity: int = 1
    size: int | None = None
    size_unit: SizeUnit | None = None
    available_zone: str | None = None
    # prepaid only: this line's own term (default: ``rate_period``'s ``period`` and ``count``);
    # the provider rates every line at its own term, so one call may hold several terms
    period: PeriodType | None = None
    period_num: int | None = None


# At most this many items per rating call (``product_infos`` "最大个数:100", Partner Center API
# reference bcloud_01001 and bcloud_01002); the provider refuses a longer list (CBC.0100).
MAX_RATING_ITEMS = 100


@dataclass(frozen=True, slots=True)
class ItemPrice:
    key: str
    official: Decimal
    amount: Decimal
    """What the partner pays: official price minus the partner's discount."""
    discount: Decimal


@dataclass(frozen=True, slots=True)
class Rating:
    currency: str
    official: Decimal
    amount: Decimal
    discount: Decimal
    items: tuple[ItemPrice, ...] = field(default_factory=tuple)

    def item(self, key: str) -> ItemPrice:
        for it in self.items:
            if it.key == key:
                return it
        raise KeyError(key)
