"""``python -m bench`` (``make bench``): run every benchmark module's ``main()``, in name order."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main() -> int:
    names = sorted(
        info.name
        for info in pkgutil.iter_modules([str(Path(__file__).parent)])
        if not info.name.startswith("_")
    )
    for name in names:
        module = importlib.import_module(f"bench.{name}")
        run = getattr(module, "main", None)
        if not callable(run):
            continue
        print(f"== bench.{name}", flush=True)
        result = run()
        if isinstance(result, int) and result != 0:
            return result
    return 0


if __name__ == "__main__":
    sys.exit(main())
