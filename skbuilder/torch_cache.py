"""Where torch keeps what it compiles: in the user's cache folder, not the shared temp folder.

torch's compiler (Inductor, used by ``torch.compile`` and by parts of ``torch.export``) writes
its cache to ``<temp>/torchinductor_<user>`` unless ``TORCHINDUCTOR_CACHE_DIR`` says otherwise;
on a shared machine that folder is left behind in ``/tmp``. Commands that run torch point it
at ``$XDG_CACHE_HOME/skbuilder/torch`` (``~/.cache/...``) unless the user chose a place.
"""

from __future__ import annotations

import os
from pathlib import Path

CACHE_VARIABLES = ("TORCHINDUCTOR_CACHE_DIR", "TRITON_CACHE_DIR")


def compile_cache_dir() -> Path:
    """The folder torch's compile caches go to (nothing is created here)."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "skbuilder" / "torch"


def use_private_compile_cache() -> None:
    """Point torch's compile caches at ``compile_cache_dir()``, unless already set; inherited
    by child processes. Call before torch compiles anything."""
    folder = compile_cache_dir()
    os.environ.setdefault("TORCHINDUCTOR_CACHE_DIR", str(folder / "inductor"))
    os.environ.setdefault("TRITON_CACHE_DIR", str(folder / "triton"))
