"""Arithmetic for the model, evaluated from the expression's syntax tree: numbers and operators only,
with bounded exponents, so no expression can run code or exhaust memory."""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from typing import Any

from langchain_core.tools import StructuredTool

from apps.pipelines.tools.base import AgentTool

OPERATORS: dict[type, Callable[..., Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
}
MAX_EXPONENT = 100
MAX_LENGTH = 500


class CalculationError(ValueError):
    pass


def evaluate(expression: str) -> float | int:
    if len(expression) > MAX_LENGTH:
        raise CalculationError("The expression is too long")
    try:
        tree = ast.parse(expression.replace("^", "**"), mode="eval")
    except SyntaxError as error:
        raise CalculationError(f"Not an arithmetic expression: {error.msg}") from error
    return _eval(tree.body)


def _eval(node: ast.AST) -> float | int:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.UnaryOp) and type(node.op) in OPERATORS:
        return OPERATORS[type(node.op)](_eval(node.operand))
    if isinstance(node, ast.BinOp) and type(node.op) in OPERATORS:
        left, right = _eval(node.left), _eval(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > MAX_EXPONENT:
            raise CalculationError(f"Exponents above {MAX_EXPONENT} are not supported")
        try:
            return OPERATORS[type(node.op)](left, right)
        except ZeroDivisionError as error:
            raise CalculationError("Division by zero") from error
    raise CalculationError("Only numbers and + - * / // % ** ( ) are allowed")


def _calculator(context):
    def calculator(expression: str) -> str:
        """Work out an arithmetic expression, e.g. (12.5 * 4) / 3."""
        try:
            result = evaluate(expression)
        except CalculationError as error:
            return f"Error: {error}"
        return str(round(result, 10) if isinstance(result, float) else result)

    return StructuredTool.from_function(calculator)


CALCULATOR = AgentTool("calculator", "Calculator", "Exact arithmetic", _calculator)
