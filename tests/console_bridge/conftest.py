"""Console bridge fixtures: a linked, verified buyer with real sandbox resources."""

from __future__ import annotations

from typing import Any

from storefront.cloud import demo

__all__: list[str] = []

ECS = {"product": "ecs", "spec": "s6.large.2.linux", "quantity": 1}
EVS = {"product": "evs", "spec": "SSD", "quantity": 1, "size_gb": 100}
EIP = {"product": "eip", "spec": "5_bgp", "quantity": 1, "bandwidth_mbit": 5}
VPC = {"product": "vpc", "spec": "vpc", "quantity": 1}


def trust_storefront(sandbox: Any, metadata_xml: str | None = None, url: str | None = None) -> None:
    """What the reseller does at the provider: upload our IdP metadata for our xAccountType."""
    body: dict[str, Any] = {"xaccount_type": demo.DEMO_XACCOUNT_TYPE}
    if metadata_xml:
        body["metadata_xml"] = metadata_xml
    if url:
        body["metadata_url"] = url
    sandbox._control("POST", "/_sandbox/console/idp-metadata", body)


__all__ += ["EIP", "EVS", "VPC", "trust_storefront"]
