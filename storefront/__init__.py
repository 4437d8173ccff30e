"""Storefront: a white-label Huawei Cloud partner storefront."""
