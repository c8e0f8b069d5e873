"""An escape corpus for the Python layer of the code node sandbox: known techniques for getting out of a
restricted CPython namespace, each shown refused. Every payload aims at the real builtins or the `os`
module (the first step of every escape); the OS layers that hold even if one got through are tested in
test_sandbox_os.py. test_sandbox.py has the basic cases (import os, open, exec, dunder attributes)."""

from __future__ import annotations

import textwrap

import pytest

from apps.pipelines.sandbox import CodeFailed, CodeNotAllowed, DictHelperHost, SandboxLimits, run_user_code

LIMITS = SandboxLimits(cpu_seconds=2, wall_seconds=5, memory_mb=128)

# name -> (code, expected error, fragment of its message)
CORPUS: dict[str, tuple[str, type[Exception], str]] = {
    # --- attribute names that lie: the guard must judge and use a plain copy of the name -------------
    "str subclass with startswith (the reported escape)": (
        """
        def main(input, **kwargs):
            class S(str):
                def startswith(self, *a):
                    return False
            subs = getattr(object, S("__subclasses__"))()
            return [c for c in subs if c.__name__ == "_wrap_close"][0]
        """,
        CodeNotAllowed,
        "Access to '__subclasses__' is not allowed",
    ),
    "str subclass with __eq__ and __hash__": (
        """
        def main(input, **kwargs):
            class S(str):
                def __eq__(self, other):
                    return False
                def __hash__(self):
                    return 0
                def startswith(self, *a):
                    return False
                def endswith(self, *a):
                    return False
            return getattr(main, S("__globals__"))
        """,
        CodeNotAllowed,
        "Access to '__globals__' is not allowed",
    ),
    "str subclass in hasattr": (
        """
        def main(input, **kwargs):
            class S(str):
                def startswith(self, *a):
                    return False
            return hasattr(main, S("__globals__"))
        """,
        CodeNotAllowed,
        "Access to '__globals__' is not allowed",
    ),
    "str subclass in setattr": (
        """
        def main(input, **kwargs):
            class S(str):
                def startswith(self, *a):
                    return False
            class C:
                pass
            setattr(C, S("__getattribute__"), lambda self, name: 1)
        """,
        CodeNotAllowed,
        "Access to '__getattribute__' is not allowed",
    ),
    "str subclass in delattr": (
        """
        def main(input, **kwargs):
            class S(str):
                def endswith(self, *a):
                    return False
            delattr(main, S("__defaults__"))
        """,
        CodeNotAllowed,
        "Access to '__defaults__' is not allowed",
    ),
    "type() with three arguments builds the lying str": (
        """
        def main(input, **kwargs):
            S = type("S", (str,), {"startswith": lambda self, *a: False, "endswith": lambda self, *a: False})
            return getattr(object, S("__subclasses__"))()
        """,
        CodeNotAllowed,
        "Access to '__subclasses__' is not allowed",
    ),
    "type() with three arguments fakes __class__ to pass isinstance(name, str)": (
        """
        def main(input, **kwargs):
            Fake = type("Fake", (), {"__class__": property(lambda self: str), "startswith": lambda self, *a: False})
            return getattr(main, Fake())
        """,
        CodeFailed,
        "TypeError",
    ),
    # --- str.format resolves attributes in C ----------------------------------------------------------
    "str.format attribute walk": (
        """
        def main(input, **kwargs):
            return "{0.__class__.__base__.__subclasses__}".format(0)
        """,
        CodeNotAllowed,
        "Access to '__class__' is not allowed",
    ),
    "str.format fetched with getattr": (
        """
        def main(input, **kwargs):
            return getattr("{0.__globals__}", "format")(main)
        """,
        CodeNotAllowed,
        "Access to '__globals__' is not allowed",
    ),
    "str.format in a nested format spec": (
        """
        def main(input, **kwargs):
            return "{0:{1.__globals__}}".format(1, main)
        """,
        CodeNotAllowed,
        "Access to '__globals__' is not allowed",
    ),
    "str.format_map of a str subclass": (
        """
        def main(input, **kwargs):
            class S(str):
                pass
            return S("{m.__globals__}").format_map({"m": main})
        """,
        CodeNotAllowed,
        "Access to '__globals__' is not allowed",
    ),
    "str.format as a decorator": (
        """
        def main(input, **kwargs):
            @"{0.__globals__}".format
            def f():
                pass
            return f
        """,
        CodeNotAllowed,
        "Access to '__globals__' is not allowed",
    ),
    # --- pickling protocol, frames, globals -------------------------------------------------------------
    "__reduce_ex__ hands out the class and its constructor": (
        """
        def main(input, **kwargs):
            return getattr(main, "__reduce" + "_ex__")(2)
        """,
        CodeNotAllowed,
        "Access to '__reduce_ex__' is not allowed",
    ),
    "__reduce__ written out": (
        """
        def main(input, **kwargs):
            return (1).__reduce__()
        """,
        CodeNotAllowed,
        "Access to '__reduce__' is not allowed",
    ),
    "generator frame to the child's globals": (
        """
        def main(input, **kwargs):
            g = (x for x in [1])
            frame = getattr(g, "gi_" + "frame")
            return getattr(getattr(frame, "f_" + "back"), "f_" + "globals")
        """,
        CodeNotAllowed,
        "Access to 'gi_frame' is not allowed",
    ),
    "coroutine frame": (
        """
        async def probe():
            pass
        def main(input, **kwargs):
            return getattr(probe(), "cr_" + "frame")
        """,
        CodeNotAllowed,
        "Access to 'cr_frame' is not allowed",
    ),
    "async generator frame": (
        """
        async def probe():
            yield 1
        def main(input, **kwargs):
            return getattr(probe(), "ag_" + "frame")
        """,
        CodeNotAllowed,
        "Access to 'ag_frame' is not allowed",
    ),
    "traceback frame of a caught exception": (
        """
        def main(input, **kwargs):
            try:
                1 / 0
            except ZeroDivisionError as error:
                return getattr(error, "__trace" + "back__")
        """,
        CodeNotAllowed,
        "Access to '__traceback__' is not allowed",
    ),
    "traceback frame written out": (
        """
        def main(input, **kwargs):
            try:
                1 / 0
            except ZeroDivisionError as error:
                return error.__traceback__.tb_frame.f_back.f_globals
        """,
        CodeNotAllowed,
        "Line 6: Access to 'f_globals' is not allowed",
    ),
    "function __globals__": (
        """
        def main(input, **kwargs):
            return getattr(lambda: 0, "__glob" + "als__")["__builtins__"]
        """,
        CodeNotAllowed,
        "Access to '__globals__' is not allowed",
    ),
    "function __globals__ with a full-width letter (NFKC-normalised by the parser)": (
        "def main(input, **kwargs):\n    return main.__\uff47lobals__\n",
        CodeNotAllowed,
        "Access to '__globals__' is not allowed",
    ),
    "function __code__ to rebuild a function": (
        """
        def main(input, **kwargs):
            return type(main)(getattr(main, "__co" + "de__"), {})
        """,
        CodeNotAllowed,
        "Access to '__code__' is not allowed",
    ),
    # --- class machinery --------------------------------------------------------------------------------
    "metaclass __init__ reaching type's subclasses": (
        """
        class Meta(type):
            def __init__(cls, name, bases, namespace):
                super().__init__(name, bases, namespace)
                cls.found = getattr(type, "__subcla" + "sses__")(type)
        def main(input, **kwargs):
            class C(metaclass=Meta):
                pass
            return C.found
        """,
        CodeNotAllowed,
        "Access to '__subclasses__' is not allowed",
    ),
    "__init_subclass__ walking to the base class": (
        """
        class Base:
            def __init_subclass__(cls, **kwargs):
                cls.found = getattr(cls, "__ba" + "ses__")[0]
        def main(input, **kwargs):
            class C(Base):
                pass
            return C.found
        """,
        CodeNotAllowed,
        "Access to '__bases__' is not allowed",
    ),
    "mro() to unguarded bases": (
        """
        def main(input, **kwargs):
            return getattr(type, "m" + "ro")(type)
        """,
        CodeNotAllowed,
        "Access to 'mro' is not allowed",
    ),
    "super() bound to type": (
        """
        def main(input, **kwargs):
            return getattr(super(type, type), "__subcla" + "sses__")()
        """,
        CodeNotAllowed,
        "Access to '__subclasses__' is not allowed",
    ),
    "object.__getattribute__ written out": (
        """
        def main(input, **kwargs):
            return object.__getattribute__(main, "__globals__")
        """,
        CodeNotAllowed,
        "Access to '__getattribute__' is not allowed",
    ),
    # --- introspection builtins -------------------------------------------------------------------------
    "vars": ("def main(input, **kwargs):\n    return vars(main)\n", CodeNotAllowed, "'vars' is not available"),
    "help": ("def main(input, **kwargs):\n    return help(main)\n", CodeNotAllowed, "'help' is not available"),
    "breakpoint": ("def main(input, **kwargs):\n    breakpoint()\n", CodeNotAllowed, "'breakpoint' is not available"),
    "dir names fed to getattr": (
        """
        def main(input, **kwargs):
            return {name: getattr(main, name) for name in dir(main)}
        """,
        CodeNotAllowed,
        "Access to '__annotations__' is not allowed",
    ),
    "a decorator that reads the function's globals": (
        """
        def leak(function):
            return getattr(function, "__glo" + "bals__")
        def main(input, **kwargs):
            @leak
            def inner():
                pass
            return inner
        """,
        CodeNotAllowed,
        "Access to '__globals__' is not allowed",
    ),
    # --- the builtins themselves ------------------------------------------------------------------------
    "__builtins__ by name": (
        "def main(input, **kwargs):\n    return __builtins__['open']\n",
        CodeNotAllowed,
        "Access to '__builtins__' is not allowed",
    ),
    "__builtins__ of a function": (
        """
        def main(input, **kwargs):
            return getattr(main, "__buil" + "tins__")
        """,
        CodeNotAllowed,
        "Access to '__builtins__' is not allowed",
    ),
    "__loader__ of the module": (
        "def main(input, **kwargs):\n    return __loader__\n",
        CodeNotAllowed,
        "Access to '__loader__' is not allowed",
    ),
    # --- serialisation modules that run or build code -----------------------------------------------------
    "codecs": ("import codecs\ndef main(input, **kwargs):\n    pass\n", CodeNotAllowed, "Importing 'codecs'"),
    "pickle": ("import pickle\ndef main(input, **kwargs):\n    pass\n", CodeNotAllowed, "Importing 'pickle'"),
    "marshal": ("import marshal\ndef main(input, **kwargs):\n    pass\n", CodeNotAllowed, "Importing 'marshal'"),
    "codecs re-exported by json": (
        "from json import codecs\ndef main(input, **kwargs):\n    return codecs\n",
        CodeFailed,
        "cannot import name 'codecs'",
    ),
}


@pytest.mark.parametrize("name", CORPUS)
def test_known_escape_techniques_are_refused(name):
    code, error, fragment = CORPUS[name]
    with pytest.raises(error) as caught:
        run_user_code(textwrap.dedent(code), "hi", host=DictHelperHost(), limits=LIMITS)
    assert fragment in str(caught.value)
