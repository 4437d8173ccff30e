"""One error root (issue #15): every exception the product defines is a DomainError, mapped
once for pages and once for the API, or one of the few roots below, each with its reason.
An entry that no longer exists fails the test too."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import storefront
from storefront.cloud.interface import UpstreamRejected, UpstreamUnavailable
from storefront.errors import DomainError, handle_cloud_error, handle_domain_error
from storefront.payments.gateway import GatewayError

OTHER_ROOTS = {
    "storefront.cloud.interface.errors.CloudError": "the provider interface's root: its code "
    "and status are the provider's; errors.py answers a stray one with 502/503",
    "storefront.billing.worker.Retry": "control flow between a job and its runner",
    "storefront.billing.provisioning.SimulatedCrash": "fault injection for tests (a crash)",
    "storefront.billing.models.AppendOnlyViolation": "a bug (a ledger row changed): 500",
    "storefront.config.ConfigError": "start-up: the settings are wrong, the process stops",
    "storefront.catalog.price_book._NewKey": "private control flow of one function",
    "storefront.catalog.price_book._Unordered": "private control flow of one function",
    "storefront.catalog.copy_file.Unreadable": "a shared catalogue copy file not to use: the "
    "reader builds its own copy instead; never reaches a caller",
    "storefront.backoffice.text_sandbox.TooExpensive": "Jinja's sandbox SecurityError, caught "
    "by the text editor's preview",
}
# the provider's emulator: its errors are the provider's wire format, not ours
OTHER_PACKAGES = ("storefront.cloud.sandbox.",)


def defined_exceptions() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for info in pkgutil.walk_packages(storefront.__path__, "storefront."):
        if ".migrations" in info.name:
            continue
        module = importlib.import_module(info.name)
        for obj in vars(module).values():
            if (
                inspect.isclass(obj)
                and issubclass(obj, BaseException)
                and obj.__module__ == module.__name__
            ):
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return found


def root_of(cls: type[BaseException]) -> str:
    """The outermost class of ours in ``cls``'s ancestry."""
    ours = [c for c in cls.__mro__ if c.__module__.startswith("storefront")]
    return f"{ours[-1].__module__}.{ours[-1].__qualname__}"


def test_every_exception_is_a_domain_error_or_a_documented_root() -> None:
    defined = defined_exceptions()
    roots = {
        root_of(cls)
        for name, cls in defined.items()
        if not issubclass(cls, DomainError) and not name.startswith(OTHER_PACKAGES)
    }
    assert sorted(roots - set(OTHER_ROOTS)) == [], "derive from storefront.errors.DomainError"
    assert sorted(set(OTHER_ROOTS) - roots) == [], "no longer a root of its own: remove it"


@pytest.mark.parametrize("api", [True, False])
def test_a_stray_gateway_or_provider_error_gets_the_mapped_answer(app, api: bool) -> None:
    path = "/api/v1/anything" if api else "/anything"
    with app.test_request_context(path):
        for response, status in (
            (handle_domain_error(GatewayError("alipay: timeout")), 502),
            (handle_cloud_error(UpstreamUnavailable("timed out")), 503),
            (handle_cloud_error(UpstreamRejected("CBC.0100", "bad spec", status=400)), 502),
        ):
            made = app.make_response(response)
            assert made.status_code == status
            body = made.get_data(as_text=True)
            assert "CBC.0100" not in body and "timeout" not in body and "bad spec" not in body
            if api:
                assert made.get_json()["error"]["code"] in {
                    "gateway_unavailable",
                    "provider_unavailable",
                    "provider_error",
                }
