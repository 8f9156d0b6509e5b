"""A calculator over a safe subset of Python expressions, walked with `ast` (never `eval`)."""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable
from typing import Any

from dictachat.tools.base import Tool, ToolError

MAX_LENGTH = 500
MAX_EXPONENT = 10_000
MAX_FACTORIAL = 1_000
MAX_DIGITS = 4_000

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_UNARY: dict[type[ast.unaryop], Callable[[Any], Any]] = {ast.UAdd: operator.pos, ast.USub: operator.neg}


def _factorial(n: float) -> int:
    if n != int(n) or n < 0 or n > MAX_FACTORIAL:
        raise ToolError(f"factorial needs a whole number between 0 and {MAX_FACTORIAL}")
    return math.factorial(int(n))


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "sqrt": math.sqrt, "cbrt": lambda x: math.copysign(abs(x) ** (1 / 3), x),
    "sin": math.sin, "cos": math.cos, "tan": math.tan, "asin": math.asin, "acos": math.acos, "atan": math.atan,
    "log": math.log, "log10": math.log10, "log2": math.log2, "ln": math.log, "exp": math.exp,
    "abs": abs, "round": round, "floor": math.floor, "ceil": math.ceil,
    "factorial": _factorial, "min": min, "max": max, "radians": math.radians, "degrees": math.degrees,
}
_CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e, "tau": math.tau}


def _power(base: Any, exp: Any) -> Any:
    # 9**9**9 would take minutes and gigabytes: refuse huge results before computing them.
    if abs(exp) > MAX_EXPONENT or (abs(base) > 1 and abs(exp) * math.log10(abs(base)) > MAX_DIGITS):
        raise ToolError("result too large")
    return operator.pow(base, exp)


def _eval(node: ast.AST) -> Any:
    if isinstance(node, ast.Expression):
        return _eval(node.body)
    if isinstance(node, ast.Constant) and type(node.value) in (int, float):
        return node.value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _eval(node.left), _eval(node.right)
        if isinstance(node.op, ast.Pow):
            return _power(left, right)
        return _BINARY[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp) and type(node.op) in _UNARY:
        return _UNARY[type(node.op)](_eval(node.operand))
    if isinstance(node, ast.Name) and node.id in _CONSTANTS:
        return _CONSTANTS[node.id]
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _FUNCTIONS and not node.keywords:
        return _FUNCTIONS[node.func.id](*(_eval(arg) for arg in node.args))
    if isinstance(node, (ast.Name, ast.Call)):
        raise ToolError("unknown name or function; allowed: " + ", ".join([*_CONSTANTS, *_FUNCTIONS]))
    raise ToolError(f"unsupported syntax ({type(node).__name__}); only arithmetic is allowed")


def _format(value: Any) -> int | float:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return int(value)
    if isinstance(value, float):
        return float(f"{value:.12g}")
    return value


def evaluate(expression: str) -> int | float:
    """Evaluate an arithmetic expression (`^` and `×`/`÷` are accepted as `**`, `*`, `/`)."""
    if len(expression) > MAX_LENGTH:
        raise ToolError(f"expression longer than {MAX_LENGTH} characters")
    text = expression.replace("^", "**").replace("×", "*").replace("÷", "/")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ToolError(f"not a valid expression: {exc.msg}") from None
    try:
        value = _eval(tree)
    except ZeroDivisionError:
        raise ToolError("division by zero") from None
    except (OverflowError, ValueError) as exc:
        raise ToolError(str(exc) or "math error") from None
    except TypeError:
        raise ToolError("wrong number or type of function arguments") from None
    if isinstance(value, int) and value.bit_length() > MAX_DIGITS * 3.33:
        raise ToolError("result too large")
    return _format(value)


def _run(args: dict[str, Any]) -> dict[str, Any]:
    expression = str(args.get("expression", "")).strip()
    if not expression:
        raise ToolError("missing 'expression'")
    return {"expression": expression, "result": evaluate(expression)}


TOOL = Tool(
    name="calculator",
    description=(
        "Evaluate an arithmetic expression exactly. Supports + - * / // % ** (or ^), parentheses, "
        "pi, e, and sqrt, cbrt, sin, cos, tan, asin, acos, atan, log (natural), log10, log2, exp, abs, "
        "round, floor, ceil, factorial, min, max, radians, degrees."
    ),
    properties={"expression": {"type": "string", "description": "e.g. '(17.5 * 3) / 2' or 'sqrt(2) ^ 10'"}},
    required=("expression",),
    run=_run,
)
