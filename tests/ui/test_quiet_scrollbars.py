"""`QuietScrollbars._scroll_update` is Textual's own, less the two scrollbar repaints (issue 41: a
rest repainted both scrollbars on every layout). A copy of a private method holds only for the
Textual it was read from: this fails when Textual's changes in anything but those repaints."""

from __future__ import annotations

import ast
import inspect
import textwrap

from textual.scroll_view import ScrollView

from tracetui.ui.widgets.scrolling import QuietScrollbars


def _is_repaint(node: ast.stmt) -> bool:
    """`self.<x>_scrollbar.refresh()` as a statement."""
    if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
        return False
    called = node.value.func
    return (isinstance(called, ast.Attribute) and called.attr == "refresh"
            and isinstance(called.value, ast.Attribute) and called.value.attr.endswith("_scrollbar"))


class _Repaints(ast.NodeTransformer):
    def __init__(self) -> None:
        self.dropped = 0

    def generic_visit(self, node: ast.AST) -> ast.AST:
        super().generic_visit(node)
        body = getattr(node, "body", None)
        if isinstance(body, list):
            kept = [s for s in body if not _is_repaint(s)]
            self.dropped += len(body) - len(kept)
            node.body = kept  # type: ignore[attr-defined]
        return node


def _statements(method) -> tuple[str, int]:
    """The method's body without its docstring and its scrollbar repaints; how many were dropped."""
    function = ast.parse(textwrap.dedent(inspect.getsource(method))).body[0]
    assert isinstance(function, ast.FunctionDef)
    function.body = [s for s in function.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    repaints = _Repaints()
    repaints.visit(function)
    return "\n".join(ast.unparse(s) for s in function.body), repaints.dropped


def test_the_copy_is_textuals_without_the_scrollbar_repaints():
    theirs, dropped = _statements(ScrollView._scroll_update)
    assert dropped == 2, "Textual's _scroll_update no longer repaints both scrollbars as it did when copied"
    ours, none = _statements(QuietScrollbars._scroll_update)
    assert none == 0
    assert ours == theirs, "Textual's ScrollView._scroll_update changed: read QuietScrollbars again"
