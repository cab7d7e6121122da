"""Loading the template's handlers in-process.

Each function's handler file (`functions/<name>/app.py`) is loaded by path under a module name of its
own, so two functions' `app` modules never collide, once and lazily, like a warm Lambda container.
"""

from __future__ import annotations

import importlib.util
import os
import sys
import threading
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

from aha_jira_dev.local_stack.template import FunctionDef, Template

Handler = Callable[[dict[str, Any], Any], Any]


class HandlerNotFoundError(LookupError):
    """The function's handler file or function does not exist."""


def module_name_for(function: FunctionDef) -> str:
    return f"_aha_jira_local_fn__{function.logical_id}__{function.handler_module.replace('.', '_')}"


def load_handler(function: FunctionDef) -> Handler:
    """Import the function's handler module from its code directory and return the handler."""
    path = function.handler_file
    if not path.is_file():
        raise HandlerNotFoundError(f"{function.logical_id}: handler file {path} does not exist")
    name = module_name_for(function)
    module = sys.modules.get(name)
    if module is None:
        module = _import_file(name, path, str(function.code_dir))
    handler = getattr(module, function.handler_function, None)
    if not callable(handler):
        raise HandlerNotFoundError(
            f"{function.logical_id}: {path} has no callable {function.handler_function}"
        )
    return handler  # type: ignore[no-any-return]


def _import_file(name: str, path: os.PathLike[str] | str, code_dir: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:  # pragma: no cover - only for non-.py paths
        raise HandlerNotFoundError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    # The code directory is on sys.path while the module loads, as it is in Lambda's /var/task.
    sys.path.insert(0, code_dir)
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    finally:
        sys.path.remove(code_dir)
    return module


def apply_environment(environment: Mapping[str, str]) -> None:
    """Set the given variables in this process's environment (the functions share one process)."""
    os.environ.update(environment)


class HandlerRegistry:
    """The template's handlers, each loaded on first use; thread-safe."""

    def __init__(self, template: Template) -> None:
        self.template = template
        self._functions = template.functions
        self._handlers: dict[str, Handler] = {}
        self._lock = threading.Lock()

    def function(self, name_or_logical_id: str) -> FunctionDef:
        if name_or_logical_id in self._functions:
            return self._functions[name_or_logical_id]
        return self.template.function(name_or_logical_id)

    def handler(self, name_or_logical_id: str) -> Handler:
        function = self.function(name_or_logical_id)
        with self._lock:
            handler = self._handlers.get(function.logical_id)
            if handler is None:
                handler = load_handler(function)
                self._handlers[function.logical_id] = handler
            return handler
