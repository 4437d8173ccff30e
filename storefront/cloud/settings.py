"""Cloud settings, read from ``STOREFRONT_*`` environment keys and validated at start."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal, TypeVar, cast

from storefront.cloud import demo
from storefront.cloud.interface import CloudConfigError

CloudKind = Literal["sandbox", "huaweicloud"]
Profile = Literal["sandbox", "test", "cn", "intl"]

DEFAULT_SANDBOX_URL: Final = "http://127.0.0.1:5001"

N = TypeVar("N", int, float)

# Per-profile endpoint defaults. ``service_endpoint`` is a template with ``{service}`` and
# ``{region}``. The joint-debug (test) environment's addresses come from the provider's
# ecosystem manager, so that profile has none and they must be set.
_ENDPOINT_KEYS: Final = (
    "bss_endpoint",
    "iam_endpoint",
    "service_endpoint",
    "auth_host",
    "console_url",
    "iam_console_url",
)
_PROFILE_ENDPOINTS: Final[dict[str, dict[str, str]]] = {
    "cn": {
        "bss_endpoint": "https://bss.myhuaweicloud.com",
        "iam_endpoint": "https://iam.myhuaweicloud.com",
        "service_endpoint": "https://{service}.{region}.myhuaweicloud.com",
        "auth_host": "https://auth.huaweicloud.com",
        "console_url": "https://console.huaweicloud.com",
        "iam_console_url": "https://console.huaweicloud.com/iam",
    },
    "intl": {
        "bss_endpoint": "https://bss-intl.myhuaweicloud.com",
        "iam_endpoint": "https://iam.myhuaweicloud.com",
        "service_endpoint": "https://{service}.{region}.myhuaweicloud.com",
        # The international site logs in on its own auth host (PROVIDER.md, console login).
        "auth_host": "https://auth-intl.huaweicloud.com",
        "console_url": "https://console-intl.huaweicloud.com",
        "iam_console_url": "https://console-intl.huaweicloud.com/iam",
    },
    "test": {},
}


def _sandbox_endpoints(url: str) -> dict[str, str]:
    url = url.rstrip("/")
    return {
        "bss_endpoint": url,
        "iam_endpoint": url,
        "service_endpoint": url,
        "auth_host": url,
        "console_url": f"{url}/console",
        "iam_console_url": f"{url}/console/iam",
    }


# --- console login (console bridge) ---
# Deep links into the console per product, per profile: ``{console_url}``, ``{region}`` and
# ``{id}`` (the provider's resource id) are filled in. Override one with
# ``STOREFRONT_CLOUD_CONSOLE_LINK_<PRODUCT>``.
CONSOLE_PRODUCTS: Final = ("ecs", "evs", "vpc", "eip")
_HUAWEI_CONSOLE_LINKS: Final[dict[str, str]] = {
    "ecs": "{console_url}/ecm/?region={region}#/ecs/manager/ecsDetail?instanceId={id}",
    "evs": "{console_url}/ecm/?region={region}#/evs/manager/volumeDetail?volumeId={id}",
    "vpc": "{console_url}/vpc/?region={region}#/vpc/vpcs/detail?vpcId={id}",
    "eip": "{console_url}/vpc/?region={region}#/eip/eips/detail?eipId={id}",
}
_CONSOLE_LINKS: Final[dict[str, dict[str, str]]] = {
    "sandbox": {p: f"{{console_url}}/{p}/{{region}}/{{id}}" for p in CONSOLE_PRODUCTS},
    "test": _HUAWEI_CONSOLE_LINKS,
    "cn": _HUAWEI_CONSOLE_LINKS,
    "intl": _HUAWEI_CONSOLE_LINKS,
}


def _console_links(env: Mapping[str, str], profile: str) -> dict[str, str]:
    links = dict(_CONSOLE_LINKS.get(profile, _HUAWEI_CONSOLE_LINKS))
    for product in CONSOLE_PRODUCTS:
        value = env.get(f"STOREFRONT_CLOUD_CONSOLE_LINK_{product.upper()}", "").strip()
        if value:
            links[product] = value
    return links


def _env_key(name: str) -> str:
    return f"STOREFRONT_CLOUD_{name.upper()}"


@dataclass(frozen=True, slots=True)
class CloudSettings:
    """Everything the cloud boundary needs; build with :meth:`from_mapping`."""

    cloud: CloudKind
    profile: Profile
    ak: str
    sk: str
    domain_id: str
    partner_id: str
    project_id: str
    xaccount_type: str
    bss_endpoint: str
    iam_endpoint: str
    service_endpoint: str
    auth_host: str
    console_url: str
    iam_console_url: str
    sandbox_url: str = DEFAULT_SANDBOX_URL
    timeout_s: float = 10.0
    retries: int = 2
    backoff_s: float = 0.2
    # The agency each customer grants the partner, named after the partner's xaccountType
    # (partner API FAQ on a sub-customer's token; *confirm* in joint debugging).
    agency_name: str = ""
    # Where the per-API request budget lives (../shared/PROVIDER.md, throttling): Redis when
    # ``STOREFRONT_REDIS_URL`` is set, so every process shares it; else this process's memory.
    quota_storage: str | None = None
    # The account's per-second quotas against the documented ones
    # (``STOREFRONT_CLOUD_QUOTA_SCALE``): the provider can raise an account's quotas on request,
    # and the budget follows.
    quota_scale: float = 1.0
    # --- console login (console bridge) ---
    console_links: dict[str, str] = field(default_factory=dict)
    # --- ECS boot images: (region or "*", "linux" | "windows") -> image id ({region} filled) ---
    ecs_images: dict[tuple[str, str], str] = field(default_factory=dict)
    # --- real-name attachments: the partner's OBS bucket (its ``download/`` folder, with the
    # Partner Center's "real-name attachment upload" switch on) and its OBS endpoint ---
    obs_bucket: str = ""
    obs_endpoint: str = ""
    # --- service tickets (OSM): the endpoint, and the problem type an escalated ticket is
    # filed under: ``business_type_id/product_category_id/incident_sub_type_id`` from the
    # provider's "query problem types" and "query ticket categories" APIs (*confirm*) ---
    osm_endpoint: str = ""
    osm_case_type: tuple[str, str, str] = ("", "", "")

    @property
    def agency(self) -> str:
        """The agency assume-role names: ``STOREFRONT_CLOUD_AGENCY_NAME``, else the xaccountType."""
        return self.agency_name or self.xaccount_type

    def ecs_image(self, region: str, os: str) -> str | None:
        """The image a new ``os`` server boots from in ``region`` (None: not configured)."""
        image = self.ecs_images.get((region, os)) or self.ecs_images.get(("*", os))
        return image.format(region=region) if image else None

    def service_url(self, service: str, region: str) -> str:
        """Endpoint of a regional service such as ``ecs`` in ``cn-north-4``."""
        return self.service_endpoint.format(service=service, region=region)

    def __repr__(self) -> str:  # never print the secret key
        return (
            f"CloudSettings(cloud={self.cloud!r}, profile={self.profile!r}, "
            f"bss_endpoint={self.bss_endpoint!r}, ak={self.ak[:4]!r}…)"
        )

    @classmethod
    def from_mapping(cls, env: Mapping[str, str]) -> CloudSettings:
        """Read and validate settings; raise :class:`CloudConfigError` naming what is wrong."""

        def get(key: str, default: str = "") -> str:
            return env.get(key, "").strip() or default

        cloud = get("STOREFRONT_CLOUD", "sandbox").lower()
        if cloud not in ("sandbox", "huaweicloud"):
            raise CloudConfigError(
                f"STOREFRONT_CLOUD must be 'sandbox' or 'huaweicloud', not {cloud!r}"
            )
        profile = get("STOREFRONT_CLOUD_PROFILE", "sandbox" if cloud == "sandbox" else "cn")
        profile = profile.lower()
        if profile not in ("sandbox", "test", "cn", "intl"):
            raise CloudConfigError(
                f"STOREFRONT_CLOUD_PROFILE must be one of sandbox, test, cn, intl, not {profile!r}"
            )
        if cloud == "sandbox" and profile != "sandbox":
            raise CloudConfigError(
                "STOREFRONT_CLOUD=sandbox only works with STOREFRONT_CLOUD_PROFILE=sandbox"
            )

        sandbox_url = get("STOREFRONT_SANDBOX_URL", DEFAULT_SANDBOX_URL).rstrip("/")
        defaults = (
            _sandbox_endpoints(sandbox_url) if profile == "sandbox" else _PROFILE_ENDPOINTS[profile]
        )
        endpoints: dict[str, Any] = {
            k: get(_env_key(k), defaults.get(k, "")) for k in _ENDPOINT_KEYS
        }

        demo_defaults = cloud == "sandbox"
        ak = get("STOREFRONT_CLOUD_AK", demo.DEMO_PARTNER_AK if demo_defaults else "")
        sk = get("STOREFRONT_CLOUD_SK", demo.DEMO_PARTNER_SK if demo_defaults else "")
        domain_id = get(
            "STOREFRONT_CLOUD_DOMAIN_ID", demo.DEMO_PARTNER_DOMAIN_ID if demo_defaults else ""
        )
        missing = [
            key
            for key, value in (
                ("STOREFRONT_CLOUD_AK", ak),
                ("STOREFRONT_CLOUD_SK", sk),
                ("STOREFRONT_CLOUD_DOMAIN_ID", domain_id),
            )
            if not value
        ]
        missing += [_env_key(k) for k in _ENDPOINT_KEYS if not endpoints[k]]
        if missing:
            raise CloudConfigError(
                f"STOREFRONT_CLOUD={cloud} (profile {profile}) needs these settings: "
                + ", ".join(missing)
            )

        return cls(
            cloud=cast(CloudKind, cloud),
            profile=cast(Profile, profile),
            ak=ak,
            sk=sk,
            domain_id=domain_id,
            partner_id=get("STOREFRONT_CLOUD_PARTNER_ID", domain_id),
            project_id=get(
                "STOREFRONT_CLOUD_PROJECT_ID", demo.DEMO_PROJECT_ID if demo_defaults else ""
            ),
            xaccount_type=get(
                "STOREFRONT_CLOUD_XACCOUNT_TYPE",
                demo.DEMO_XACCOUNT_TYPE if demo_defaults else "",
            ),
            agency_name=get("STOREFRONT_CLOUD_AGENCY_NAME"),
            quota_storage=get("STOREFRONT_REDIS_URL") or None,
            quota_scale=_number(
                env, "STOREFRONT_CLOUD_QUOTA_SCALE", 1.0, float, minimum=0.1, maximum=1000.0
            ),
            sandbox_url=sandbox_url,
            timeout_s=_number(env, "STOREFRONT_CLOUD_TIMEOUT_S", 10.0, float, minimum=0.05),
            retries=_number(env, "STOREFRONT_CLOUD_RETRIES", 2, int, minimum=0),
            backoff_s=_number(env, "STOREFRONT_CLOUD_BACKOFF_S", 0.2, float, minimum=0.0),
            console_links=_console_links(env, profile),
            ecs_images=_ecs_images(env, demo_defaults),
            **_obs_and_osm(env, profile, sandbox_url, demo_defaults),
            **endpoints,
        )


# The OSM API reference's endpoint (global service; *confirm* per site in joint debugging).
_OSM_ENDPOINTS: Final = {
    "cn": "https://osm.myhuaweicloud.com",
    "intl": "https://osm.myhuaweicloud.com",
}
SANDBOX_OSM_CASE_TYPE: Final = ("sandbox-technical", "sandbox-cloud", "sandbox-fault")


def _obs_and_osm(
    env: Mapping[str, str], profile: str, sandbox_url: str, demo_defaults: bool
) -> dict[str, Any]:
    """The OBS bucket and endpoint (real-name attachments); the OSM endpoint and case type
    (service tickets)."""

    def get(key: str, default: str) -> str:
        return env.get(key, "").strip() or default

    sandbox = profile == "sandbox"
    return {
        "obs_bucket": get(
            "STOREFRONT_CLOUD_OBS_BUCKET", demo.DEMO_OBS_BUCKET if demo_defaults else ""
        ),
        "obs_endpoint": get("STOREFRONT_CLOUD_OBS_ENDPOINT", sandbox_url if sandbox else "").rstrip(
            "/"
        ),
        "osm_endpoint": get(
            "STOREFRONT_CLOUD_OSM_ENDPOINT",
            sandbox_url if sandbox else _OSM_ENDPOINTS.get(profile, ""),
        ).rstrip("/"),
        "osm_case_type": _osm_case_type(env, demo_defaults),
    }


def _osm_case_type(env: Mapping[str, str], demo_defaults: bool) -> tuple[str, str, str]:
    """``STOREFRONT_CLOUD_OSM_CASE_TYPE``: ``business_type_id/product_category_id/
    incident_sub_type_id``; empty: escalation is not configured."""
    raw = env.get("STOREFRONT_CLOUD_OSM_CASE_TYPE", "").strip()
    if not raw:
        return SANDBOX_OSM_CASE_TYPE if demo_defaults else ("", "", "")
    parts = tuple(p.strip() for p in raw.split("/"))
    if len(parts) != 3 or not all(parts):
        raise CloudConfigError(
            "STOREFRONT_CLOUD_OSM_CASE_TYPE is business_type_id/product_category_id/"
            f"incident_sub_type_id, not {raw!r}"
        )
    return (parts[0], parts[1], parts[2])


ECS_OS: Final = ("linux", "windows")


def _ecs_images(env: Mapping[str, str], demo_defaults: bool) -> dict[tuple[str, str], str]:
    """``STOREFRONT_CLOUD_ECS_IMAGES``: comma-separated ``region:os=image_id`` (``*`` for every
    region; ``{region}`` in the id is filled in), e.g.
    ``cn-north-4:linux=<IMS image id>,*:windows=<IMS image id>``."""
    raw = env.get("STOREFRONT_CLOUD_ECS_IMAGES", "").strip()
    if not raw and demo_defaults:
        return {("*", os): image for os, image in demo.DEMO_ECS_IMAGES.items()}
    images: dict[tuple[str, str], str] = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        where, _, image = item.partition("=")
        region, _, os = where.strip().partition(":")
        if not image.strip() or not region or os not in ECS_OS:
            raise CloudConfigError(
                "STOREFRONT_CLOUD_ECS_IMAGES items are region:os=image_id with os linux or"
                f" windows (region * for every region), not {item!r}"
            )
        images[(region.strip(), os)] = image.strip()
    return images


def _number(
    env: Mapping[str, str],
    key: str,
    default: N,
    kind: type[N],
    *,
    minimum: N,
    maximum: N | None = None,
) -> N:
    raw = env.get(key, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise CloudConfigError(f"{key} must be a {kind.__name__}, not {raw!r}") from None
    if value < minimum:
        raise CloudConfigError(f"{key} must be at least {minimum}, not {raw!r}")
    if maximum is not None and value > maximum:
        raise CloudConfigError(f"{key} must be at most {maximum}, not {raw!r}")
    return value
