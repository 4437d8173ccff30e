"""Services, resource specs and prices (BSS catalogue and rating calls)."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from decimal import Decimal
from functools import partial
from typing import Any, TypeVar

from huaweicloudsdkbss.v2 import model as m

from storefront.cloud.huawei.base import PAGE, HuaweiBase, dec
from storefront.cloud.interface import (
    ChargeMode,
    CloudConfigError,
    ItemPrice,
    PeriodType,
    Rating,
    RatingItem,
    ResourceSpec,
    ServiceType,
)

T = TypeVar("T")

_HOUR_MEASURE_ID = 4
_SPEC_SIZE = re.compile(r"(\d+)\s*vCPUs?\s*\|\s*([\d.]+)\s*GiB", re.IGNORECASE)


def _product_info(model: Callable[..., T], it: RatingItem, **extra: Any) -> T:
    """``it`` as a rating call's ``*ProductInfo`` (``model``): what the on-demand and the period
    rating ask alike of an item, then ``extra``."""
    return model(
        id=it.key, cloud_service_type=it.service_type, resource_type=it.resource_type,
        resource_spec=it.spec, region=it.region, available_zone=it.available_zone,
        resource_size=it.size, subscription_num=it.quantity,
        size_measure_id=int(it.size_unit) if it.size_unit is not None else None, **extra,
    )  # fmt: skip


def _item_prices(results: Any) -> tuple[ItemPrice, ...]:
    """The per-item prices of a rating answer (``product_rating_results``)."""
    return tuple(
        ItemPrice(
            key=r.id,
            official=dec(r.official_website_amount),
            amount=dec(r.amount),
            discount=dec(r.discount_amount),
        )
        for r in results or ()
    )


class CatalogueCalls(HuaweiBase):
    """What the provider sells and what it costs."""

    def list_service_types(
        self, *, name: str | None = None, language: str = "en_US"
    ) -> tuple[ServiceType, ...]:
        def fetch(offset: int) -> Any:
            req = m.ListServiceTypesRequest(
                x_language=language, limit=PAGE, offset=offset, service_type_name=name
            )
            return self._bss.list_service_types(req)

        rows = self._offset_pages("list_service_types", fetch, lambda a: a.service_types)
        return tuple(
            ServiceType(
                code=s.service_type_code, name=s.service_type_name, abbreviation=s.abbreviation
            )
            for s in rows
        )

    def list_resource_specs(
        self,
        *,
        service_type: str,
        resource_type: str,
        region: str,
        charge_mode: ChargeMode = ChargeMode.ON_DEMAND,
        language: str = "en_US",
    ) -> tuple[ResourceSpec, ...]:
        found: list[ResourceSpec] = []
        marker: str | None = None
        while True:
            body = m.ResourceSpecsQueryReq(
                cloud_service_type=service_type,
                resource_type=resource_type,
                region_code=region,
                charge_mode=str(charge_mode),
                marker=marker,
                limit=PAGE,
            )
            req = m.ListResourceSpecsRequest(x_language=language, body=body)
            resp = self._call("list_resource_specs", partial(self._bss.list_resource_specs, req))
            found += [self._spec(s) for s in resp.cloud_service_basics or ()]
            marker = resp.page_info.next_marker if resp.page_info else None
            if not marker:
                return tuple(found)

    @staticmethod
    def _spec(s: m.CloudServiceBasic) -> ResourceSpec:
        size = _SPEC_SIZE.search(s.resource_spec_name or "")
        return ResourceSpec(
            service_type=s.cloud_service_type,
            resource_type=s.resource_type,
            spec=s.resource_spec,
            name=s.resource_spec_name or s.resource_spec,
            region=s.region_code,
            charge_mode=ChargeMode(str(s.charge_mode)),
            service_type_name=s.cloud_service_type_name,
            resource_type_name=s.resource_type_name,
            vcpus=int(size.group(1)) if size else None,
            memory_gib=Decimal(size.group(2)) if size else None,
        )

    def _project_id(self) -> str:
        if not self._settings.project_id:
            raise CloudConfigError("STOREFRONT_CLOUD_PROJECT_ID is needed to rate prices")
        return self._settings.project_id

    def rate_on_demand(self, *, items: Sequence[RatingItem], hours: Decimal | int = 1) -> Rating:
        infos = [
            _product_info(
                m.DemandProductInfo,
                it,
                usage_factor="Duration",
                usage_value=Decimal(hours),
                usage_measure_id=_HOUR_MEASURE_ID,
            )
            for it in items
        ]
        body = m.RateOnDemandReq(
            project_id=self._project_id(), inquiry_precision=1, product_infos=infos
        )
        req = m.ListOnDemandResourceRatingsRequest(body=body)
        # the operation is the SDK method: the quota budget keys its per-API quota on it
        resp = self._call(
            "list_on_demand_resource_ratings",
            lambda: self._bss.list_on_demand_resource_ratings(req),
        )
        return Rating(
            currency=resp.currency or "CNY",
            official=dec(resp.official_website_amount),
            amount=dec(resp.amount),
            discount=dec(resp.discount_amount),
            items=_item_prices(resp.product_rating_results),
        )

    def rate_period(
        self, *, items: Sequence[RatingItem], period: PeriodType, count: int = 1
    ) -> Rating:
        infos = [
            _product_info(
                m.PeriodProductInfo,
                it,
                period_type=int(it.period if it.period is not None else period),
                period_num=it.period_num if it.period_num is not None else count,
            )
            for it in items
        ]
        body = m.RateOnPeriodReq(project_id=self._project_id(), product_infos=infos)
        req = m.ListRateOnPeriodDetailRequest(body=body)
        resp = self._call(
            "list_rate_on_period_detail", lambda: self._bss.list_rate_on_period_detail(req)
        )
        official = resp.official_website_rating_result
        offers = resp.optional_discount_rating_results or []
        best = next((o for o in offers if o.best_offer == 1), None)
        if best is None:  # no discount applies: the partner pays the official price
            prices = tuple(
                ItemPrice(
                    key=r.id,
                    official=dec(r.official_website_amount),
                    amount=dec(r.official_website_amount),
                    discount=Decimal(0),
                )
                for r in official.product_rating_results or ()
            )
            total = dec(official.official_website_amount)
            return Rating(resp.currency or "CNY", total, total, Decimal(0), prices)
        return Rating(
            currency=resp.currency or "CNY",
            official=dec(best.official_website_amount),
            amount=dec(best.amount),
            discount=dec(best.discount_amount),
            items=_item_prices(best.product_rating_results),
        )
