"""CloudSettings: profiles, overrides and validation."""

from __future__ import annotations

import pytest

from storefront.cloud import CloudConfigError, CloudSettings, demo


def test_sandbox_defaults_point_everything_at_the_sandbox() -> None:
    s = CloudSettings.from_mapping({})
    assert (s.cloud, s.profile) == ("sandbox", "sandbox")
    assert s.bss_endpoint == s.iam_endpoint == s.auth_host == "http://127.0.0.1:5001"
    assert s.console_url == "http://127.0.0.1:5001/console"
    assert (s.ak, s.domain_id) == (demo.DEMO_PARTNER_AK, demo.DEMO_PARTNER_DOMAIN_ID)
    assert s.sk not in repr(s)


def test_sandbox_url_and_overrides() -> None:
    s = CloudSettings.from_mapping(
        {
            "STOREFRONT_SANDBOX_URL": "http://127.0.0.1:7000/",
            "STOREFRONT_CLOUD_CONSOLE_URL": "http://127.0.0.1:7000/other",
            "STOREFRONT_CLOUD_TIMEOUT_S": "3.5",
            "STOREFRONT_CLOUD_RETRIES": "0",
            "STOREFRONT_CLOUD_QUOTA_SCALE": "2.5",
        }
    )
    assert s.bss_endpoint == "http://127.0.0.1:7000"
    assert s.console_url == "http://127.0.0.1:7000/other"
    assert (s.timeout_s, s.retries, s.quota_scale) == (3.5, 0, 2.5)
    assert CloudSettings.from_mapping({}).quota_scale == 1.0  # the documented quotas


def test_huaweicloud_without_credentials_names_every_missing_key() -> None:
    with pytest.raises(CloudConfigError) as err:
        CloudSettings.from_mapping({"STOREFRONT_CLOUD": "huaweicloud"})
    message = str(err.value)
    for key in ("STOREFRONT_CLOUD_AK", "STOREFRONT_CLOUD_SK", "STOREFRONT_CLOUD_DOMAIN_ID"):
        assert key in message


def test_huaweicloud_cn_profile_has_production_endpoints() -> None:
    s = CloudSettings.from_mapping(
        {
            "STOREFRONT_CLOUD": "huaweicloud",
            "STOREFRONT_CLOUD_AK": "ak",
            "STOREFRONT_CLOUD_SK": "sk",
            "STOREFRONT_CLOUD_DOMAIN_ID": "dom",
        }
    )
    assert s.profile == "cn"
    assert s.bss_endpoint == "https://bss.myhuaweicloud.com"
    assert s.service_url("ecs", "cn-north-4") == "https://ecs.cn-north-4.myhuaweicloud.com"
    assert s.project_id == ""  # no demo defaults outside the sandbox
    intl = CloudSettings.from_mapping(
        {
            "STOREFRONT_CLOUD": "huaweicloud",
            "STOREFRONT_CLOUD_PROFILE": "intl",
            "STOREFRONT_CLOUD_AK": "ak",
            "STOREFRONT_CLOUD_SK": "sk",
            "STOREFRONT_CLOUD_DOMAIN_ID": "dom",
        }
    )
    assert intl.bss_endpoint == "https://bss-intl.myhuaweicloud.com"


def test_joint_debug_profile_needs_its_endpoints() -> None:
    with pytest.raises(CloudConfigError) as err:
        CloudSettings.from_mapping(
            {
                "STOREFRONT_CLOUD": "huaweicloud",
                "STOREFRONT_CLOUD_PROFILE": "test",
                "STOREFRONT_CLOUD_AK": "ak",
                "STOREFRONT_CLOUD_SK": "sk",
                "STOREFRONT_CLOUD_DOMAIN_ID": "dom",
            }
        )
    assert "STOREFRONT_CLOUD_BSS_ENDPOINT" in str(err.value)
    assert "STOREFRONT_CLOUD_AK" not in str(err.value)


@pytest.mark.parametrize(
    "env",
    [
        {"STOREFRONT_CLOUD": "aws"},
        {"STOREFRONT_CLOUD_PROFILE": "mars"},
        {"STOREFRONT_CLOUD_PROFILE": "cn"},  # sandbox cloud with a production profile
        {"STOREFRONT_CLOUD_TIMEOUT_S": "soon"},
        {"STOREFRONT_CLOUD_RETRIES": "-1"},
        {"STOREFRONT_CLOUD_QUOTA_SCALE": "0"},
        {"STOREFRONT_CLOUD_QUOTA_SCALE": "5000"},
        {"STOREFRONT_CLOUD_QUOTA_SCALE": "many"},
    ],
)
def test_invalid_values_rejected(env: dict[str, str]) -> None:
    with pytest.raises(CloudConfigError):
        CloudSettings.from_mapping(env)


def test_ecs_images_per_region_and_os() -> None:
    sandbox = CloudSettings.from_mapping({})
    assert sandbox.ecs_image("cn-north-4", "linux") == "sandbox-cn-north-4-ubuntu-22.04"
    real = CloudSettings.from_mapping(
        {
            "STOREFRONT_CLOUD_ECS_IMAGES": "cn-north-4:linux=img-a, *:windows=img-w",
            "STOREFRONT_CLOUD_TIMEOUT_S": "3",
        }
    )
    assert real.ecs_image("cn-north-4", "linux") == "img-a"
    assert real.ecs_image("ap-southeast-1", "windows") == "img-w"
    assert real.ecs_image("ap-southeast-1", "linux") is None
    with pytest.raises(CloudConfigError, match="STOREFRONT_CLOUD_ECS_IMAGES"):
        CloudSettings.from_mapping({"STOREFRONT_CLOUD_ECS_IMAGES": "cn-north-4:bsd=x"})
