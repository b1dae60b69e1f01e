"""Debug switches, read from the environment in one place.

``GRAPHC_DUMP=<dir>``  write the IR of every compiled graph (and each pass) to ``dir``.
``GRAPHC_VERIFY=1``    run the IR verifier after every pass (always on in the tests).
``GRAPHC_CACHE_DIR``   where compiled C kernels are cached (default ``~/.cache/graphc``).
"""
from __future__ import annotations

import os


def dump_dir() -> str | None:
    return os.environ.get("GRAPHC_DUMP") or None


def verify_passes() -> bool:
    return os.environ.get("GRAPHC_VERIFY", "0") not in ("", "0", "false", "False")


def cache_dir() -> str:
    default = os.path.join(os.path.expanduser("~"), ".cache", "graphc")
    return os.environ.get("GRAPHC_CACHE_DIR", default)
