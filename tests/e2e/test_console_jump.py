"""Real Chromium: storefront login -> resources -> Open in console -> the provider's auth host
(sandbox SP) -> our IdP -> the console page of that server -> Stop -> the sandbox has it
stopped -> after the resource sync the storefront shows it stopped; the link works once."""

from __future__ import annotations

from typing import Any

from storefront.billing.reconcile import sync_resources
from tests.accounts.helpers import PASSWORD
from tests.console_bridge.conftest import trust_storefront


def test_open_in_console_stop_and_sync(
    app: Any, live_server: Any, sandbox: Any, linked: Any, bought: Any, new_page: Any, shot: Any
) -> None:
    trust_storefront(sandbox, url=f"{live_server.url}/saml/idp/metadata.xml")
    server = bought(linked)[0]
    page = new_page()
    page.goto(live_server.url + "/login")
    page.locator("#email").fill(linked.email)
    page.locator("#password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    page.goto(live_server.url + "/resources")
    shot(page, "resources")
    page.locator(f'[data-console-open="{server["id"]}"]').click()
    page.wait_for_url(f"{sandbox.url}/console/ecs/**")
    assert page.locator("#resource-id").inner_text() == server["provider_resource_id"]
    assert page.locator("#region").inner_text() == server["region"]
    assert page.locator("#status").inner_text() == "active"
    shot(page, "console")
    page.locator("#action-stop").click()
    page.wait_for_selector("#done")
    assert page.locator("#status").inner_text() == "stopped"
    shot(page, "stopped")
    state = sandbox._control("GET", "/_sandbox/resources", None)
    [remote] = [r for r in state["resources"] if r["resource_id"] == server["provider_resource_id"]]
    assert remote["status"] == "stopped"
    with app.app_context():
        assert sync_resources() >= 1
    page.goto(live_server.url + "/resources")
    assert "Stopped" in page.locator("#resources").inner_text()
    shot(page, "synced")


def test_second_use_of_a_link_is_refused_in_the_browser(
    live_server: Any, sandbox: Any, linked: Any, bought: Any, client: Any, new_page: Any,
    shot: Any,
) -> None:
    from tests.shop import token

    trust_storefront(sandbox, url=f"{live_server.url}/saml/idp/metadata.xml")
    server = bought(linked)[0]
    resp = client.post(f"/api/v1/resources/{server['id']}/console", headers=token(client, linked))
    # the link is on the configured public URL (here: this live server), not the client's Host
    url = resp.get_json()["url"]
    assert url.startswith(live_server.url + "/console/go/")
    path = url.removeprefix(live_server.url)
    page = new_page()
    page.goto(live_server.url + path)
    page.wait_for_url(f"{sandbox.url}/console/ecs/**")
    assert page.locator("#resource-id").inner_text() == server["provider_resource_id"]
    again = new_page()
    answer = again.goto(live_server.url + path)
    assert answer is not None and answer.status == 410
    assert "already used" in again.locator("#console-refused-message").inner_text()
    shot(again, "used")
