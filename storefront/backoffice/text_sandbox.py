"""A Jinja sandbox whose renders are bounded: store-written texts can neither escape it nor
hang the page that shows them.

:class:`BoundedSandbox` is an :class:`~jinja2.sandbox.ImmutableSandboxedEnvironment` (no
attribute tricks, no mutation of lists and dicts) whose every render runs against a
:class:`Budget`:

- **steps**: each loop iteration (every ``{% for %}`` iterable is wrapped at compile time, so
  nested loops over lists count too), each element ``range()`` yields, each call (functions,
  methods, macros), each filter and each intercepted operator is one step;
- **characters**: every piece of output a template emits (also into ``{% set %}`` blocks and
  macros) and every intermediate value (a string, list or number a call, filter or operator
  makes) counts against the cap, checked *before* the operations that multiply sizes
  (``*``, ``**``, ``%``, ``replace``, ``join``, widths) run;
- **time**: a wall-clock deadline checked at every step and at every chunk of the stream.

Past any cap the render stops with :class:`TooExpensive`. The template language loses what a
store text has no use for and that defeats the count: ``namespace`` (values that grow across
iterations), ``recursive`` loops, imports and includes, ``lipsum``.

All of it uses the sandbox's documented extension points: ``call``, ``call_binop`` with
``intercepted_binops``, the ``range`` global, the filters mapping and a
:class:`~jinja2.visitor.NodeTransformer` over the parsed template.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps
from typing import Any, cast

from jinja2 import Environment, TemplateSyntaxError, nodes
from jinja2.exceptions import SecurityError
from jinja2.nodes import EvalContext
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

# A template may not name these: the wrappers the compiler adds are found by these names.
_RESERVED = "_sf"
_LOOP, _OUT = "_sf_loop", "_sf_out"
# Filters a store text may use (the rest, e.g. tojson, pprint, xmlattr, urlize, are gone).
FILTERS = frozenset(
    {
        *("abs", "attr", "batch", "capitalize", "center", "count", "d", "default", "dictsort"),
        *("e", "escape", "filesizeformat", "first", "float", "forceescape", "format"),
        *("groupby", "indent", "int", "items", "join", "last", "length", "list", "lower"),
        *("map", "max", "min", "replace", "reject", "rejectattr", "reverse", "round", "safe"),
        *("select", "selectattr", "slice", "sort", "string", "striptags", "sum", "title"),
        *("trim", "truncate", "unique", "upper", "wordcount", "wordwrap"),
    }
)
# Arguments that set a width or a count: bounded by the character cap.
_RUNTIME = (Context, Environment, EvalContext)  # what a filter may get before its value
_SIZED_METHODS = frozenset({"center", "ljust", "rjust", "zfill"})
# Methods whose result grows with an argument's contents (tab stops, a translation table).
_BLOCKED_METHODS = frozenset({"expandtabs", "translate", "maketrans"})
# A printf / format width or precision of five digits or more, or taken from an argument.
_PRINTF_WIDTH = re.compile(r"%[^a-zA-Z%]*?(\*|\d{5,})")
_FORMAT_WIDTH = re.compile(r"\{[^{}]*:[^{}]*(\d{5,}|\{)")


@dataclass(frozen=True, slots=True)
class Limits:
    steps: int = 10_000
    chars: int = 20_000
    seconds: float = 0.2


class TooExpensive(SecurityError):
    """A render went past its :class:`Limits`."""


class TimedOut(TooExpensive):
    """A render went past its deadline (which also depends on how busy the machine is)."""


class Budget:
    __slots__ = ("chars_left", "deadline", "limits", "steps_left")

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.steps_left = limits.steps
        self.chars_left = limits.chars
        self.deadline = time.monotonic() + limits.seconds

    def step(self, n: int = 1) -> None:
        self.steps_left -= n
        if self.steps_left < 0:
            raise TooExpensive(f"more than {self.limits.steps} steps (loops, calls, filters)")
        if time.monotonic() > self.deadline:
            raise TimedOut(f"took longer than {self.limits.seconds:g} s")

    def emit(self, n: int) -> None:
        self.chars_left -= n
        if self.chars_left < 0:
            raise TooExpensive(f"more than {self.limits.chars} characters of output")

    def sized(self, n: int) -> None:
        """A value of ``n`` characters or items is about to exist."""
        if n > self.limits.chars:
            raise TooExpensive(f"a value of more than {self.limits.chars} characters")


_budget: ContextVar[Budget | None] = ContextVar("store_text_budget", default=None)


def _current() -> Budget:
    budget = _budget.get()
    if budget is None:  # rendered outside bounded_render(): refuse rather than run unbounded
        raise TooExpensive("store texts render only with a budget")
    return budget


def _size_of(value: Any) -> int:
    if isinstance(value, str | bytes | list | tuple | dict | set | frozenset):
        return len(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value.bit_length() // 3  # about its number of decimal digits
    return 0


def _check_result(value: Any) -> Any:
    _current().sized(_size_of(value))
    return value


def _check_args(args: Iterable[Any], *, numbers: bool = True) -> None:
    """Arguments of a call: no value over the cap and (``numbers``) no number over it either,
    since a number argument is usually a width or a count."""
    budget = _current()
    for arg in args:
        budget.sized(_size_of(arg))
        if numbers and isinstance(arg, int | float) and abs(arg) > budget.limits.chars:
            raise TooExpensive(f"a number argument over {budget.limits.chars}")


def _counted(iterable: Any) -> Iterator[Any]:
    """Yield from ``iterable``, one step per item."""
    budget = _current()
    for item in iterable:
        budget.step()
        yield item


def _range(*args: int) -> Iterator[int]:
    _check_args(args)
    return _counted(range(*args))


def _loop(iterable: Any) -> Iterator[Any]:
    return _counted(iterable)


def _out(value: Any, extra: int = 0) -> Any:
    """Count what the template emits (``extra``: its literal text next to ``value``)."""
    _current().emit(len(str(value)) + extra)
    return value


def _join_size(sep: str, items: Any) -> int:
    parts = list(items) if not isinstance(items, list | tuple) else items
    return len(sep) * max(len(parts) - 1, 0) + sum(len(str(p)) for p in parts)


def _replace_size(text: str, old: str, new: str, count: int = -1) -> int:
    hits = text.count(old) + (1 if old == "" else 0)
    if count >= 0:
        hits = min(hits, count)
    return len(text) + hits * (len(new) - len(old))


def _is_format(obj: Any) -> bool:
    target = getattr(obj, "__wrapped__", obj)
    is_str = isinstance(getattr(target, "__self__", None), str)
    return is_str and getattr(target, "__name__", "") in ("format", "format_map")


def _precheck_method(obj: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    """Refuse a str method call whose result would be too large, before it runs."""
    target = getattr(obj, "__wrapped__", obj)
    owner, name = getattr(target, "__self__", None), getattr(target, "__name__", "")
    if not isinstance(owner, str):
        return
    budget = _current()
    if name in ("format", "format_map") and _FORMAT_WIDTH.search(owner):
        raise TooExpensive("a format width of five digits or more")
    if name == "replace" and len(args) >= 2 and all(isinstance(a, str) for a in args[:2]):
        budget.sized(_replace_size(owner, args[0], args[1], *[a for a in args[2:3] if a]))
    if name == "join" and args:
        budget.sized(_join_size(owner, args[0]))
    if name in _SIZED_METHODS:
        budget.sized(sum(a for a in args if isinstance(a, int)) + len(owner))
    if name in _BLOCKED_METHODS:
        raise TooExpensive(f"str.{name}() is not available")


def _bounded_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        budget = _current()
        budget.step()
        plain = [a for a in (*args, *kwargs.values()) if not isinstance(a, _RUNTIME)]
        value = plain[0] if plain else None
        _check_args(plain[:1], numbers=False)
        _check_args(plain[1:])
        if name == "replace" and len(plain) >= 3:
            budget.sized(_replace_size(str(value), str(plain[1]), str(plain[2])))
        elif name == "join" and value is not None and not isinstance(value, str | int):
            value = list(value)
            sep = plain[1] if len(plain) > 1 and isinstance(plain[1], str) else ""
            budget.sized(_join_size(sep, value))
            args = tuple(value if a is plain[0] else a for a in args)
        elif name == "format" and isinstance(value, str) and _PRINTF_WIDTH.search(value):
            raise TooExpensive("a format width of five digits or more")
        elif name == "indent" and isinstance(value, str):
            width = next((a for a in plain[1:] if isinstance(a, int)), 4)
            budget.sized(len(value) + value.count("\n") * width)
        elif name == "sum" and any(isinstance(a, list | tuple | dict) for a in plain[1:]):
            raise TooExpensive("sum() of anything but numbers")
        return _check_result(func(*args, **kwargs))

    return wrapper


class _Bound(NodeTransformer):
    """Count every loop and every piece of output; refuse what the budget cannot see."""

    def visit_Name(self, node: nodes.Name) -> nodes.Node:
        if node.name.startswith(_RESERVED):
            raise TemplateSyntaxError(f"{node.name!r} is reserved", node.lineno)
        return node

    def visit_For(self, node: nodes.For) -> nodes.Node:
        if node.recursive:
            raise TemplateSyntaxError("recursive loops are not allowed", node.lineno)
        self.generic_visit(node)  # changes the node's children in place
        node.iter = _call(_LOOP, [cast(nodes.Expr, node.iter)], node.lineno)
        return node

    def visit_Output(self, node: nodes.Output) -> nodes.Node:
        self.generic_visit(node)
        literal, out = 0, list[nodes.Expr]()
        for child in node.nodes:
            if isinstance(child, nodes.TemplateData):
                literal += len(child.data)
                out.append(child)
            else:
                out.append(_call(_OUT, [child], child.lineno))
        if literal:
            out.append(_call(_OUT, [nodes.Const(""), nodes.Const(literal)], node.lineno))
        node.nodes = out
        return node

    def _refuse(self, node: nodes.Node) -> nodes.Node:
        raise TemplateSyntaxError(
            "imports, includes and macros named like this are not allowed", node.lineno
        )

    visit_Import = visit_FromImport = visit_Include = visit_Extends = _refuse

    def visit_Macro(self, node: nodes.Macro) -> nodes.Node:
        if node.name.startswith(_RESERVED):
            return self._refuse(node)
        return self.generic_visit(node)


def _call(name: str, args: list[nodes.Expr], lineno: int) -> nodes.Call:
    return nodes.Call(nodes.Name(name, "load", lineno=lineno), args, [], None, None, lineno=lineno)


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """The sandbox store texts render in; render only through :func:`bounded_render`."""

    intercepted_binops = frozenset({"*", "**", "%", "+"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        for name in ("namespace", "lipsum"):
            self.globals.pop(name, None)
        self.globals.update({"range": _range, _LOOP: _loop, _OUT: _out})
        self.filters = {n: _bounded_filter(n, self.filters[n]) for n in FILTERS}

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        _current().step()
        if __obj is not _out:
            _check_args((*args, *kwargs.values()), numbers=not _is_format(__obj))
            _precheck_method(__obj, args, kwargs)
        return _check_result(super().call(__context, __obj, *args, **kwargs))

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        budget = _current()
        budget.step()
        if operator == "*":
            _check_product(left, right)
        elif operator == "**" and isinstance(left, int) and isinstance(right, int):
            if right > 0 and max(left.bit_length(), 1) * right > budget.limits.chars * 4:
                raise TooExpensive("a number too large")
        elif operator == "%" and isinstance(left, str) and _PRINTF_WIDTH.search(left):
            raise TooExpensive("a format width of five digits or more")
        elif operator == "+":
            budget.sized(_size_of(left) + _size_of(right))
        return _check_result(super().call_binop(context, operator, left, right))

    def compile_bounded(self, source: str) -> Any:
        """``source`` parsed, its loops and output wrapped, compiled (a :class:`Template`)."""
        return self.from_string(_Bound().visit(self.parse(source)))


def _check_product(left: Any, right: Any) -> None:
    """``left * right``: a repeated string or list, or a product of integers, that fits."""
    budget = _current()
    if isinstance(left, int) and isinstance(right, int):
        budget.sized(_size_of(left) + _size_of(right))
        return
    for seq, n in ((left, right), (right, left)):
        if isinstance(n, int) and not isinstance(seq, int | float):
            budget.sized(_size_of(seq) * max(n, 0))


def bounded_render(template: Any, context: dict[str, Any], limits: Limits) -> str:
    """Render ``template`` (from :meth:`BoundedSandbox.compile_bounded`) within ``limits``:
    streamed, stopped at the first cap it passes (:class:`TooExpensive`)."""
    budget = Budget(limits)
    token = _budget.set(budget)
    try:
        out: list[str] = []
        size = 0
        for chunk in template.generate(**context):
            size += len(chunk)
            if size > limits.chars:
                raise TooExpensive(f"more than {limits.chars} characters of output")
            if time.monotonic() > budget.deadline:
                raise TimedOut(f"took longer than {limits.seconds:g} s")
            out.append(chunk)
        return "".join(out)
    finally:
        _budget.reset(token)
