"""A Jinja context whose calls of plain functions skip Jinja's generic checks.

Every ``{{ f(x) }}`` in a template goes through ``Context.call``, which asks the callable and
its ``__call__`` for a ``jinja_pass_arg`` marker each time: about a microsecond per call, and
a list page calls a few per row. For a plain Python function the answer is in its
``__dict__``; this context reads it there and does what ``Context.call`` does with it. Any
other callable (classes, bound methods, macros, builtins) takes Jinja's own path.
"""

from __future__ import annotations

from types import FunctionType
from typing import Any

from flask import Flask
from jinja2.runtime import Context
from jinja2.utils import _PassArg, internalcode


class LMSContext(Context):
    @internalcode
    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805 (Jinja's)
        if type(__obj) is not FunctionType:
            return super().call(__obj, *args, **kwargs)
        pass_arg = __obj.__dict__.get("jinja_pass_arg")
        loop_vars = kwargs.pop("_loop_vars", None)
        block_vars = kwargs.pop("_block_vars", None)
        if pass_arg is _PassArg.context:
            # As Jinja: the callee sees variables set in loops and blocks.
            if loop_vars:
                __self = __self.derived(loop_vars)
            if block_vars:
                __self = __self.derived(block_vars)
            args = (__self, *args)
        elif pass_arg is _PassArg.eval_context:
            args = (__self.eval_ctx, *args)
        elif pass_arg is _PassArg.environment:
            args = (__self.environment, *args)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined(
                "value was undefined because a callable raised a StopIteration exception"
            )


def install_context(app: Flask) -> None:
    """Use LMSContext for ``app``'s templates, unless the app already chose its own context."""
    if app.jinja_env.context_class is Context:
        app.jinja_env.context_class = LMSContext
