"""Browser: customer groups, product descriptions and Chinese spec names, in English and Chinese."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from storefront.accounts.models import StaffRole
from tests.browser import sign_in
from tests.builders import PASSWORD


def _login(page: Any, url: str, email: str, path: str = "/admin/login") -> None:
    sign_in(page, url, email, PASSWORD, staff=path == "/admin/login")


def test_customer_groups_in_english_and_chinese(
    live_server: Any,
    catalog: Any,
    make_staff: Any,
    make_customer: Any,
    new_page: Any,
    shot: Any,
) -> None:
    make_customer(email="zhao.lei@example.com", name="Zhao Lei")
    make_customer(email="qian.yu@example.com", name="Qian Yu")
    staff = make_staff(role=StaffRole.FINANCE)
    page = new_page(locale="en-US")
    _login(page, live_server.url, staff.email)
    page.goto(live_server.url + "/staff/pricing")
    page.get_by_role("link", name="Manage customer groups").click()
    expect(page.get_by_text("No customer groups yet")).to_be_visible()
    page.locator("#name").fill("Universities")
    page.get_by_role("button", name="Create group").click()
    page.wait_for_url("**/staff/customer-groups/*")
    expect(page.get_by_role("heading", name="Customer group: Universities")).to_be_visible()

    page.locator("#q").fill("zhao")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("button", name="Add zhao.lei@example.com").click()
    expect(page.locator("#members").get_by_text("zhao.lei@example.com")).to_be_visible()
    expect(page.get_by_text("Customer added to the group.")).to_be_visible()
    shot(page, "group-en")

    # the group's pricing: a 5 % discount on ECS for this group only
    page.get_by_role("link", name="Pricing for this group").click()
    page.wait_for_url("**/staff/pricing?group=*")
    expect(page.locator("#p-group")).not_to_have_value("")
    page.select_option("#product_code", "ecs")
    page.select_option("#group_id", label="Universities")
    page.select_option("#kind", "discount")
    page.locator("#value").fill("5")
    page.locator("#allow_below_cost").check()  # the partner's cost is the list price
    page.get_by_role("button", name="Add rule").click()
    # a discount sells below list and lowers today's price: the preview says so, then saves
    expect(page.locator("#warn-below-list")).to_be_visible()
    page.get_by_role("button", name="Add rule anyway").click()
    expect(page.locator("#rules").get_by_role("link", name="Universities")).to_be_visible()

    # removing a member asks first
    page.goto(page.url.split("/staff/")[0] + "/staff/customer-groups")
    page.get_by_role("link", name="Universities").click()
    dialogs: list[str] = []
    page.once("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    with page.expect_event("dialog"):  # the confirm arrives after the click returns
        page.get_by_role("button", name="Remove zhao.lei@example.com").click()
    assert dialogs == ["Remove zhao.lei@example.com from the group Universities?"]
    expect(page.locator("#members").get_by_text("zhao.lei@example.com")).to_be_visible()

    # deleting says what happens to the rule that targets the group
    page.get_by_role("link", name="Delete this group…").click()
    consequences = page.locator("#delete-consequences")
    assert "will be deleted with it" in consequences.inner_text()
    assert "discount off list price 5.00%" in consequences.inner_text()
    shot(page, "group-delete-en")

    zh = new_page(locale="zh-CN")
    _login(zh, live_server.url, staff.email)
    zh.goto(live_server.url + "/staff/customer-groups")
    expect(zh.get_by_role("heading", name="客户分组")).to_be_visible()
    expect(zh.locator("#groups").get_by_role("link", name="Universities")).to_be_visible()
    zh.locator("#groups").get_by_role("link", name="Universities").click()
    expect(zh.get_by_role("heading", name="客户分组：Universities")).to_be_visible()
    expect(zh.get_by_role("heading", name="此分组的价格规则")).to_be_visible()
    shot(zh, "group-zh")
    zh.get_by_role("link", name="删除此分组…").click()
    zh.get_by_role("button", name="删除分组").click()
    expect(zh.get_by_text("已删除分组 Universities，以及针对它的 1 条价格规则。")).to_be_visible()
    expect(zh.get_by_text("还没有客户分组")).to_be_visible()
    shot(zh, "groups-empty-zh")


def test_product_description_editing_in_english_and_chinese(
    live_server: Any, catalog: Any, make_staff: Any, new_page: Any, shot: Any
) -> None:
    owner = make_staff(role=StaffRole.OWNER)
    page = new_page(locale="en-US")
    alerts: list[str] = []
    page.on("dialog", lambda d: (alerts.append(d.message), d.dismiss()))
    _login(page, live_server.url, owner.email)
    page.goto(live_server.url + "/staff/pricing")
    page.get_by_role("link", name="Product descriptions").click()
    page.get_by_role("link", name="Edit the description of ECS").click()
    payload = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
    page.locator("#description").fill(
        "Servers from **{{ store.name }}**.\n\n- Linux\n- Windows\n\n" + payload
    )
    page.locator("#description_zh").fill("来自我们的**云服务器**。\n第二行")
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#preview-en")
    assert preview.locator("strong").first.inner_text() == live_server_store_name(catalog)
    assert preview.locator("li").all_inner_texts() == ["Linux", "Windows"]
    assert payload in preview.inner_text()  # shown as text
    expect(preview.locator("img, script")).to_have_count(0)
    expect(page.locator("#preview-zh").locator("br")).to_have_count(1)
    shot(page, "description-preview-en")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Description saved.")).to_be_visible()

    page.goto(live_server.url + "/products/ecs")
    text = page.locator("#product-description")
    expect(payload in text.inner_text() and text.locator("img, script")).to_have_count(0)
    shot(page, "description-product-en")

    zh = new_page(locale="zh-CN")
    zh.on("dialog", lambda d: (alerts.append(d.message), d.dismiss()))
    zh.goto(live_server.url + "/products/ecs")
    assert zh.locator("#product-description strong").inner_text() == "云服务器"
    shot(zh, "description-product-zh")
    _login(zh, live_server.url, owner.email)
    zh.goto(live_server.url + "/products/ecs")
    zh.get_by_role("link", name="编辑此描述").click()
    expect(zh.get_by_role("heading", name="弹性云服务器 的描述")).to_be_visible()
    zh.locator("#description_zh").fill("")
    zh.get_by_role("button", name="保存").click()
    expect(zh.get_by_text("描述已保存。")).to_be_visible()
    shot(zh, "description-edit-zh")
    zh.goto(live_server.url + "/products/ecs")  # no Chinese text now: the English one
    assert "Linux" in zh.locator("#product-description").inner_text()
    assert alerts == []  # nothing the store wrote ever ran


def live_server_store_name(catalog: Any) -> str:
    return str(catalog["store"].name)


def test_spec_names_in_chinese_pages(
    live_server: Any, catalog: Any, make_staff: Any, new_page: Any, shot: Any
) -> None:
    zh = new_page(locale="zh-CN")
    zh.goto(live_server.url + "/products/ecs?region=cn-north-4")
    table = zh.locator("#spec-table")
    expect(table.get_by_text("通用计算型 | s6.large.2 | 2vCPUs | 4GiB | Linux")).to_be_visible()
    assert "General computing" not in table.inner_text()
    shot(zh, "product-ecs-zh")
    zh.goto(live_server.url + "/calculator?region=cn-north-4")
    options = zh.locator("#evs_spec option").all_inner_texts()
    assert "普通IO (SATA)" in options
    zh.select_option("#ecs_spec", "s6.xlarge.2.linux")
    zh.select_option("#eip_spec", "5_bgp")
    zh.wait_for_function("() => document.body.innerText.includes('全动态BGP弹性公网IP · 5 Mbit/s')")
    shot(zh, "calculator-zh")
    zh.locator("#price-monthly").locator("button[type=submit]").click()
    zh.wait_for_url("**/quotes/*")
    expect(zh.get_by_text("通用计算型 | s6.xlarge.2 | 4vCPUs | 8GiB | Linux")).to_be_visible()
    shot(zh, "quote-zh")
    _login(zh, live_server.url, make_staff(role=StaffRole.OWNER).email)
    zh.goto(live_server.url + "/staff/pricing?region=cn-north-4")
    assert (
        zh.locator("#preview")
        .get_by_text("通用计算型 | s6.large.2", exact=False)
        .first.is_visible()
    )
    shot(zh, "staff-pricing-zh")
