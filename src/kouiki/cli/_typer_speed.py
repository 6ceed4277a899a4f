"""Start-up: keep typer from importing pydantic for the parameters every light command has (issue 17).

typer ≥ 0.29 coerces every parameter value through a pydantic ``TypeAdapter``: the first parameter that is
processed imports pydantic (60–100 ms) and builds an adapter — also for a parameter whose value is ``None``
(an option not given, e.g. ``--install-completion``), whose coercion never uses the adapter. So
``kouiki municipalities show 293636`` paid for pydantic to read one string.

:func:`install` replaces the factory typer's parameters call (``typer.core.build_runtime_param``) with one that
returns, for every annotation, a *lazy* runtime parameter: ``None`` and missing values are handled by typer's own
``RuntimeParam.coerce`` exactly as before, and the first real value builds typer's own runtime parameter (pydantic
and all) and delegates to it. Coerced without pydantic: a plain ``str`` without a parser, whose adapter is
``Annotated[str, BeforeValidator(_parse_cli_str)]`` — i.e. exactly :func:`_parse_cli_str` (copied below) —, and an
``int``/``float`` value of exactly that type for a plain ``int``/``float`` parameter (a default such as ``50``),
which typer's adapter returns unchanged. ``tests/architecture/test_cli_typer_speed.py`` checks the copy against
typer's on str and bytes values, and every runtime parameter against typer's own (values, ``None``, errors) on each
kind of annotation the CLI uses. Output and errors are unchanged.

When typer's internals are not the ones this was written for (an older typer without the adapters, or a future
one that renamed them), :func:`install` does nothing and typer behaves as it ships.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

_installed = False


def _parse_cli_str(value: Any) -> str:
    """typer's ``typer._adapters._parse_cli_str`` (0.29): a CLI value as str, bytes decoded as click does."""
    if value is None:
        raise ValueError("None is not a valid string")
    if isinstance(value, bytes):
        from typer._click import _compat

        enc = _compat._get_argv_encoding()
        try:
            return value.decode(enc)
        except UnicodeError:
            fs_enc = sys.getfilesystemencoding()
            if fs_enc != enc:
                try:
                    return value.decode(fs_enc)
                except UnicodeError:
                    return value.decode("utf-8", "replace")
            return value.decode("utf-8", "replace")
    return str(value)


def install() -> bool:
    """Install the lazy runtime parameters into typer; True when installed (now or before)."""
    global _installed
    if _installed:
        return True
    try:
        import typer.core as core
        from typer import _coercion
    except ImportError:  # a typer without the pydantic adapters: nothing to avoid
        return False
    original: Any = getattr(core, "build_runtime_param", None)
    base: Any = getattr(_coercion, "RuntimeParam", None)
    if original is None or base is None or original is not getattr(_coercion, "build_runtime_param", None):
        return False

    @dataclass(frozen=True)
    class StrRuntimeParam(base):  # type: ignore[misc]
        """A plain ``str`` parameter: typer's adapter without pydantic (see the module docstring)."""

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            return _parse_cli_str(value)

    @dataclass(frozen=True)
    class LazyRuntimeParam(base):  # type: ignore[misc]
        """typer's runtime parameter for this annotation, built at the first value that needs it. ``exact``: a
        plain ``int``/``float`` without bounds, whose adapter returns a value of exactly that type unchanged (the
        default of ``--limit 50`` reaches the coercion as the int 50)."""

        descriptor: Any = None
        exact: type | None = None
        _real: list[Any] = field(default_factory=list)

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            if self.exact is not None and type(value) is self.exact:
                return value
            if not self._real:
                self._real.append(original(self.descriptor))
            return self._real[0]._coerce_value(value, param=param, ctx=ctx)

    def build_runtime_param(descriptor: Any) -> Any:
        args = {"annotation": descriptor.annotation, "parameter_info": descriptor.parameter_info}
        if (
            descriptor.annotation is str
            and descriptor.file_annotation is None
            and getattr(descriptor.parameter_info, "parser", None) is None
        ):
            return StrRuntimeParam(**args)
        info = descriptor.parameter_info
        plain_number = (
            descriptor.annotation in (int, float)
            and descriptor.file_annotation is None
            and getattr(info, "parser", None) is None
            and getattr(info, "min", None) is None
            and getattr(info, "max", None) is None
            and not getattr(info, "clamp", False)
        )
        return LazyRuntimeParam(**args, descriptor=descriptor, exact=descriptor.annotation if plain_number else None)

    setattr(core, "build_runtime_param", build_runtime_param)  # noqa: B010 - typer.core does not export the name
    _installed = True
    return True


# ----- typer.rich_utils without rich.markdown and rich.traceback ------------------------------------------------
# typer.rich_utils (the help pages and usage errors) imports rich.markdown (markdown-it, pygments) and rich.traceback
# (rich.pretty, attrs) at its top: about 50 ms of CPU, for Markdown — used only with rich_markup_mode="markdown",
# which kouiki does not use — and Traceback — used only for pretty exceptions, which kouiki turns off. While
# typer.rich_utils executes, those two names come from stand-ins that import the real class at first use (a call,
# an attribute, an isinstance check); the stand-in modules are gone from ``sys.modules`` as soon as typer.rich_utils
# has run, so any other import of rich.markdown or rich.traceback gets the real module. The same loader runs the
# callbacks of :func:`when_rich_utils_loaded` once typer.rich_utils has run (kouiki.cli._typer_ja: its Japanese texts).

_DEFERRED = {"rich.markdown": "Markdown", "rich.traceback": "Traceback"}


class _DeferredClass(type):
    """Metaclass of a stand-in: calls, attributes and isinstance go to the real class, imported then."""

    _module: str
    _name: str

    def _real(cls) -> Any:
        import importlib

        return getattr(importlib.import_module(cls._module), cls._name)

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        return cls._real()(*args, **kwargs)

    def __getattr__(cls, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(cls._real(), name)

    def __instancecheck__(cls, obj: Any) -> bool:
        return isinstance(obj, cls._real())


class _RichUtilsLoader:
    """Runs typer.rich_utils with the stand-ins in place (see above); a meta-path hook used once."""

    def __init__(self, loader: Any) -> None:
        self.loader = loader

    def create_module(self, spec: Any) -> Any:
        return self.loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        import types

        stand_ins: dict[str, types.ModuleType] = {}
        for mod_name, cls_name in _DEFERRED.items() if _defer else ():
            if mod_name not in sys.modules:
                stand_in = types.ModuleType(mod_name)
                setattr(stand_in, cls_name, _DeferredClass(cls_name, (), {"_module": mod_name, "_name": cls_name}))
                stand_ins[mod_name] = sys.modules[mod_name] = stand_in
        try:
            self.loader.exec_module(module)
        finally:
            for mod_name, stand_in in stand_ins.items():
                if sys.modules.get(mod_name) is stand_in:
                    del sys.modules[mod_name]
        while _after_load:
            _after_load.pop(0)(module)


class _RichUtilsFinder:
    """Finds typer.rich_utils once, to load it through :class:`_RichUtilsLoader`."""

    @classmethod
    def find_spec(cls, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname != "typer.rich_utils":
            return None
        import importlib.machinery

        sys.meta_path.remove(cls)
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is not None and spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = _RichUtilsLoader(spec.loader)  # type: ignore[assignment]
        return spec


_defer = False
_after_load: list[Callable[[Any], None]] = []


def defer_rich_markdown_and_traceback() -> bool:
    """Load typer.rich_utils (when typer first needs it) without rich.markdown and rich.traceback; True when the
    hook is set (False when typer.rich_utils is already loaded)."""
    global _defer
    if "typer.rich_utils" in sys.modules:
        return False
    _defer = True
    if _RichUtilsFinder not in sys.meta_path:
        sys.meta_path.insert(0, _RichUtilsFinder)
    return True


def when_rich_utils_loaded(callback: Callable[[Any], None]) -> None:
    """Call ``callback(typer.rich_utils)`` once that module has run: now if it has, else when typer imports it (a
    command that prints no help page and no usage error never does)."""
    module = sys.modules.get("typer.rich_utils")
    if module is not None:
        callback(module)
        return
    _after_load.append(callback)
    if _RichUtilsFinder not in sys.meta_path:
        sys.meta_path.insert(0, _RichUtilsFinder)
