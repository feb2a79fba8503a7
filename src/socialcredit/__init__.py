"""socialcredit: a fast, reproducible agent-based simulator of social credit scoring systems.

Synthetic populations only: it never ingests records about real people. The public API is
small: `simulate`, `open_run`, `runs`, `Scenario`, `Simulation`, `RunResult`.
"""

import hashlib as _hashlib
import os as _os
import sys as _sys
from pathlib import Path as _Path

__version__ = "0.1.0"


def _compile_cache_dir() -> str:
    """Numba's compile cache for this exact source: a folder under the user's cache named by a
    digest of the package's Python files. Numba checks only each kernel's own file, not the
    helpers it inlines from other modules, so a cache shared across versions of the code
    could run a kernel compiled against an older helper."""
    root = _Path(__file__).parent
    digest = _hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    base = _Path(_os.environ.get("XDG_CACHE_HOME", _Path.home() / ".cache")) / "socialcredit" / "numba"
    return str(base / digest.hexdigest()[:16])


# Numba's compile cache lives in the user's cache folder, never inside the package. Numba
# reads the variable when it is first imported; if a caller imported it before us, its
# config is set too (the cache locator reads it when our kernels are compiled).
_os.environ.setdefault("NUMBA_CACHE_DIR", _compile_cache_dir())
if "numba" in _sys.modules:
    _sys.modules["numba"].config.CACHE_DIR = _os.environ["NUMBA_CACHE_DIR"]

from .api import simulate  # noqa: E402
from .result import RunResult  # noqa: E402
from .scenario import Scenario, ScenarioError, load_scenario, preset_names  # noqa: E402
from .simulation import Simulation  # noqa: E402
from .store import open_run, runs  # noqa: E402

__all__ = ["simulate", "open_run", "runs", "Scenario", "ScenarioError", "Simulation", "RunResult", "load_scenario",
           "preset_names", "__version__"]
