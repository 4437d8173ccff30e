"""Check a raw provider answer against the official SDK's response model.

The SDK models are generated from the provider's API reference: ``attribute_map`` names every
JSON key a model has, ``openapi_types`` the type of each (nested models by class name), and
each property's docstring is the field's documentation, where enumerations are written as
``1：待审核2：待退款…`` (codes) or ``取值范围：ACTIVE，BUILD…`` (words).

``problems(model, answer)`` lists every key the model does not have (recursively) and every
value outside its field's documented values; ``missing(answer, paths)`` the fields the product
reads that are absent. A requests-level :class:`WireLog` records what the client received.
"""

from __future__ import annotations

import importlib
import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests

_LIST = re.compile(r"^list\[(.+)\]$")
_DICT = re.compile(r"^dict\(str,\s*(.+)\)$")
# "1：待审核2：待退款" / "1: normal; 2: ..." (a code, a full-width or ASCII colon, a word)
_CODE = re.compile(r"(?<![A-Za-z\d.:/])(-?\d{1,3})\s*：")  # not a word's last digit (cpuv1：)
# "取值范围：ACTIVE，BUILD" or "取值为：prePaid、postPaid": a list of two or more words
_WORDS = re.compile(
    r"(?:取值范围|取值为|取值|可选值|枚举值)\s*[：:]\s*"
    r"((?:\"?[A-Za-z][A-Za-z0-9_.\-]*\"?\s*[，,、|]\s*)+\"?[A-Za-z][A-Za-z0-9_.\-]*\"?)"
)

# "取值范围： - CREATING：创建中 - OK：创建成功" (one word per dash)
_DASHED = re.compile(r"-\s*([A-Z][A-Z0-9_]+)\s*[：:]")
# "取值范围：冻结FREEZED，绑定失败BIND_ERROR…" (a status word after its Chinese name)
_STATUS_WORD = re.compile(r"(?<![A-Za-z])([A-Z][A-Z_]{2,})(?![A-Za-z])")


def _doc(model: type, attr: str) -> str:
    prop = getattr(model, attr, None)
    text = (getattr(prop, "__doc__", None) or "").split(":return:")[0]
    return text.split("\n", 1)[-1]  # drop the "Gets the x of this Model." line


def documented_values(model: type, attr: str) -> set[Any] | None:
    """The values a field's doc enumerates (None: the doc lists none)."""
    kind = model.openapi_types[attr]  # type: ignore[attr-defined]
    doc = _doc(model, attr)
    if kind in ("int", "str"):
        codes = {int(c) for c in _CODE.findall(doc)}
        if len(codes) >= 2:
            return codes if kind == "int" else {str(c) for c in codes}
    if kind == "str":
        found = _WORDS.search(doc)
        if found:
            words = re.split(r"\s*[，,、|]\s*", found.group(1))
            return {w.strip('"') for w in words if w}
        dashed = set(_DASHED.findall(doc))
        if len(dashed) >= 2:
            return dashed
        if "状态" in doc and "取值范围" in doc:
            words = set(_STATUS_WORD.findall(doc.split("取值范围", 1)[1]))
            if len(words) >= 2:
                return words
    return None


def _model_class(model: type, name: str) -> type | None:
    package = importlib.import_module(model.__module__.rsplit(".", 1)[0])
    found = getattr(package, name, None)
    return found if isinstance(found, type) and hasattr(found, "attribute_map") else None


def _primitive_ok(kind: str, value: Any) -> bool:
    if kind == "str":
        return isinstance(value, str)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind in ("float", "decimal"):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "bool":
        return isinstance(value, bool)
    return True  # object, datetime, date: any JSON value


def _check_value(owner: type, kind: str, value: Any, where: str) -> list[str]:
    if value is None:
        return []
    inner = _LIST.match(kind)
    if inner:
        if not isinstance(value, list):
            return [f"{where}: {kind} expected, got {type(value).__name__}"]
        return [
            p
            for i, v in enumerate(value)
            for p in _check_value(owner, inner[1], v, f"{where}[{i}]")
        ]
    inner = _DICT.match(kind)
    if inner:
        if not isinstance(value, dict):
            return [f"{where}: {kind} expected, got {type(value).__name__}"]
        return [
            p for k, v in value.items() for p in _check_value(owner, inner[1], v, f"{where}.{k}")
        ]
    nested = _model_class(owner, kind)
    if nested is not None:
        return problems(nested, value, where + ".")
    if not _primitive_ok(kind, value):
        return [f"{where}: {kind} expected, got {value!r}"]
    return []


def problems(model: type, answer: Any, where: str = "") -> list[str]:
    """Keys ``model`` does not have, values of the wrong type or outside the documented ones."""
    if not isinstance(answer, dict):
        return [f"{where or '.'}: {model.__name__} is an object, got {type(answer).__name__}"]
    by_key = {key: attr for attr, key in model.attribute_map.items()}  # type: ignore[attr-defined]
    found: list[str] = []
    for key, value in answer.items():
        attr = by_key.get(key)
        if attr is None:
            found.append(f"{where}{key}: not a field of {model.__name__}")
            continue
        kind = model.openapi_types[attr]  # type: ignore[attr-defined]
        found += _check_value(model, kind, value, f"{where}{key}")
        allowed = documented_values(model, attr)
        if allowed is not None and value is not None and value not in allowed:
            found.append(f"{where}{key}: {value!r} is not one of {sorted(allowed, key=str)}")
    return found


def _absent(node: Any, parts: list[str]) -> bool:
    if not parts:
        return False
    name = parts[0].removesuffix("[]")
    value = node.get(name) if isinstance(node, dict) else None
    if value is None:
        return True
    if parts[0].endswith("[]"):
        return not isinstance(value, list) or not value or any(_absent(v, parts[1:]) for v in value)
    return _absent(value, parts[1:])


def missing(answer: Any, paths: tuple[str, ...]) -> list[str]:
    """The dotted ``paths`` (``a.b``, ``items[].c``) absent from ``answer``; a list must hold at
    least one element, and every element the field."""
    return [p for p in paths if _absent(answer, p.split("."))]


@dataclass
class Answer:
    method: str
    path: str
    status: int
    body: Any


@dataclass
class WireLog:
    """Every answer the client received while installed (``requests.Session.send`` hook)."""

    answers: list[Answer] = field(default_factory=list)

    def hook(self, original: Any) -> Any:
        def send(session: requests.Session, request: Any, **kwargs: Any) -> Any:
            response = original(session, request, **kwargs)
            try:
                body = json.loads(response.content) if response.content else {}
            except ValueError:
                body = response.text
            self.answers.append(
                Answer(request.method, urlsplit(request.url).path, response.status_code, body)
            )
            return response

        return send

    def last(self, method: str, path: re.Pattern[str]) -> Answer:
        for answer in reversed(self.answers):
            if answer.method == method and path.fullmatch(answer.path) and answer.status < 300:
                return answer
        seen = [(a.method, a.path, a.status) for a in self.answers]
        raise AssertionError(f"no successful {method} {path.pattern} answer among {seen}")
