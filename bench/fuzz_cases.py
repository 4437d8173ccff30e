"""What ``bench/fuzz_api.py`` sends: the edge values and the Hypothesis strategies of one case
(a request: method, path, query string, headers, body), and the :class:`World` they draw real
ids, tokens and valid bodies from."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parent.parent


PASSWORD = "fuzz horse battery 9"  # noqa: S105 (a throw-away database)
API_PREFIX = "/api/v1"
SOURCES = ("storefront/api/*.py", "storefront/catalog/services.py")
FIELD_PATTERNS = (
    r"""\.get\(\s*["']([A-Za-z_]\w*)["']""",
    r"""\[\s*["']([a-z_]\w*)["']\s*\]""",
    r"""\btext\(\s*data,\s*["']([a-z_]\w*)["']""",
    r"""_(?:bool|date)_arg\(\s*["']([a-z_]\w*)["']""",
)
EDGE_INTS = [0, -1, 1, 2**31, 2**53 + 1, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**30, 10**4000]
EDGE_FLOATS = [0.5, -0.0, 1e308, -1e308, 1e-320, math.inf, -math.inf, math.nan]
EDGE_TEXT = [
    "",
    " ",
    "0",
    "-1",
    "1",
    "00",
    "1.5",
    "1e3",
    "1e999",
    "-1e999",
    "NaN",
    "Infinity",
    "²",
    "١٢",
    "１２",
    "٣",
    "0x10",
    "9" * 19,
    "9" * 100,
    "a" * 10_000,
    "\x00",
    "\ud800",
    "null",
    "true",
    "' OR 1=1 --",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "{{7*7}}",
    "%s%n",
    "é" * 300,
    "😀",
    "cn-north-4",
    "monthly",
    "on_demand",
    "yearly",
    "ecs",
    "s6.large.2.linux",
    "CNY",
    "10.00",
    "-10.00",
    "0.001",
    "1e2",
    "99999999999999999999.99",
    "customer@example.com",
    "ACCOUNT",
    "pending",
    "approved",
    "individual",
    "enterprise",
    "CN",
    "+8613800000000",
    "2026-01-01",
    "2026-13-45",
    "9999-12-31",
]
PATH_IDS = [
    "0",
    "-1",
    "1",
    "2",
    str(2**63 - 1),
    str(2**63),
    str(2**64),
    "9" * 100,
    "abc",
    "1.5",
    "1e3",
    "０",
    "²",
    "١",
    " 1",
    "1 ",
    "%",
    "0x1",
    "",
    "..",
    "null",
]
NUMBERISH = [  # for cursor, limit and the like: what str.isdigit() takes and int() does not
    *["²", "¹²", "１", "١٢", "٣", "0", "-1", "101", "1e3", " 1", "1 ", "+1", "1_0", "1.0"],
    *["9" * 18, "9" * 19, "9" * 100, "9" * 5000, str(2**63), "", "%", "abc", "true"],
]
DEEP = [10, 100, 1_000, 5_000, 50_000]


@dataclass
class World:
    """What the fuzz knows about the app it attacks: real ids and tokens."""

    ids: dict[str, list[str]] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    bodies: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def bodies_for(self, path: str) -> list[dict[str, Any]]:
        """The valid bodies of this URL (of any URL if it has none): mutated, they get past
        the first checks to the code behind them."""
        return [b for end, b in self.bodies if path.endswith(end)] or [b for _, b in self.bodies]

    def token_for(self, path: str) -> str:
        return "owner" if "/admin/" in path else "customer"


# --- what a case is made of ---------------------------------------------------------------


def harvest_fields(root: Path = ROOT) -> list[str]:
    """Every field name the API code reads from a body or a query string."""
    names: set[str] = set()
    for pattern in SOURCES:
        for path in sorted(root.glob(pattern)):
            source = path.read_text(encoding="utf-8")
            for regex in FIELD_PATTERNS:
                names.update(re.findall(regex, source))
    return sorted(names - {"Authorization", "User-Agent", "Idempotency-Key"})


def json_values(names: list[str]) -> st.SearchStrategy[Any]:
    leaves = st.one_of(
        st.none(),
        st.booleans(),
        st.sampled_from(EDGE_INTS),
        st.integers(),
        st.sampled_from(EDGE_FLOATS),
        st.floats(allow_nan=True, allow_infinity=True),
        st.sampled_from(EDGE_TEXT),
        st.text(max_size=40),
    )
    keys = st.sampled_from(names) | st.text(max_size=10)
    return st.recursive(
        leaves,
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(keys, inner, max_size=4),
        max_leaves=12,
    )


@st.composite
def json_object(draw: Any, names: list[str], bodies: list[dict[str, Any]]) -> dict[str, Any]:
    values = json_values(names)
    if draw(st.booleans()):  # a valid body with a few fields changed, dropped or added
        body = dict(draw(st.sampled_from(bodies)))
        for _ in range(draw(st.integers(0, 3))):
            key = draw(st.sampled_from(sorted(body) or names))
            if draw(st.booleans()):
                body[key] = draw(values)
            else:
                body.pop(key, None)
        return body
    return draw(st.dictionaries(st.sampled_from(names), values, max_size=8))


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=draw_ascii(value)).encode("utf-8", "surrogatepass")


def draw_ascii(value: Any) -> bool:
    return len(repr(value)) % 2 == 0  # both escaped and raw unicode, deterministically


@st.composite
def bodies(
    draw: Any, names: list[str], valid: list[dict[str, Any]]
) -> tuple[bytes | None, str | None]:
    """(the raw body, its Content-Type) of one case."""
    kind = draw(
        st.sampled_from(
            ["none", "object", "object", "object", "value", "raw", "deep", "form", "lying"]
        )
    )
    json_type = "application/json"
    if kind == "none":
        return None, draw(st.sampled_from([None, json_type]))
    if kind == "object":
        return _dumps(draw(json_object(names, valid))), json_type
    if kind == "value":
        return _dumps(draw(json_values(names))), json_type
    if kind == "deep":
        depth = draw(st.sampled_from(DEEP))
        opener, closer = draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
        return (opener * depth + "1" + closer * depth).encode(), json_type
    if kind == "form":
        form = draw(st.dictionaries(st.sampled_from(names), st.sampled_from(EDGE_TEXT), max_size=5))
        return urlencode(form, errors="surrogatepass").encode(), "application/x-www-form-urlencoded"
    raw = draw(
        st.binary(max_size=200)
        | st.sampled_from(
            [
                b"{",
                b'{"amount":',
                b"[1,",
                b"\xff\xfe{}",
                b"1" * 5000,
                b'"' * 3,
                b'{"a":1,"a":2}',
                b"\x00",
                b"{}" * 1000,
                b"NaN",
                b"-Infinity",
            ]
        )
    )
    content_type = draw(
        st.sampled_from(
            [
                json_type,
                "application/json; charset=utf-16",
                "text/plain",
                "multipart/form-data",
                "application/xml",
                "application/json; charset=latin-1",
                "",
            ]
        )
    )
    if kind == "lying":
        raw = _dumps(draw(json_object(names, valid)))
    return raw, content_type or None


def latin1_text(max_size: int) -> st.SearchStrategy[str]:
    return st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=max_size)


@st.composite
def headers(draw: Any, world: World, path: str) -> dict[str, str]:
    who = (
        world.token_for(path)
        if draw(st.booleans())
        else draw(
            st.sampled_from(
                [
                    None,
                    "customer",
                    "customer",
                    "other",
                    "owner",
                    "owner",
                    "support",
                    "garbage",
                    "scheme",
                ]
            )
        )
    )
    out: dict[str, str] = {}
    if who in world.tokens:
        out["Authorization"] = f"Bearer {world.tokens[who]}"
    elif who == "garbage":
        out["Authorization"] = "Bearer " + draw(latin1_text(80))
    elif who == "scheme":
        out["Authorization"] = draw(
            st.sampled_from(
                ["Basic Zm9vOmJhcg==", "Bearer", "bearer  ", "sf_x", "Bearer sf_" + "A" * 5000]
            )
        )
    if draw(st.integers(0, 3)) == 0:
        out["Idempotency-Key"] = draw(
            st.sampled_from(["k1", "k2", "", " ", "x" * 300]) | latin1_text(40)
        )
    if draw(st.integers(0, 5)) == 0:
        out["Accept-Language"] = draw(
            st.sampled_from(["zh-CN", "en", "xx", "*", ";q=x"]) | latin1_text(30)
        )
    return out


def path_for(rule: Any, draw: Any, world: World) -> str:
    """The rule's URL with each argument replaced by an edge value or a real id."""
    path = rule.rule
    for name in rule.arguments:
        kind = next((k for k in world.ids if name.startswith(k)), "")
        real = world.ids.get(kind, []) + world.ids.get("quote", [])
        segment = draw(st.sampled_from(PATH_IDS + real + real) | st.text(min_size=1, max_size=60))
        path = re.sub(
            rf"<(?:[^:<>]+:)?{name}>", quote(segment, safe="", errors="surrogatepass"), path
        )
    return path


@st.composite
def cases(draw: Any, rule: Any, method: str, names: list[str], world: World) -> dict[str, Any]:
    body, content_type = draw(bodies(names, world.bodies_for(rule.rule)))
    query = draw(
        st.dictionaries(
            st.sampled_from(["cursor", "limit", "q", "status", "region"]) | st.sampled_from(names),
            st.sampled_from(NUMBERISH) | st.sampled_from(EDGE_TEXT) | st.text(max_size=30),
            max_size=4,
        )
    )
    head = draw(headers(world, rule.rule))
    if content_type:
        head["Content-Type"] = content_type
    return {
        "method": method,
        "path": path_for(rule, draw, world),
        "query": urlencode(query, encoding="utf-8", errors="surrogatepass"),
        "headers": head,
        "body": body,
    }
