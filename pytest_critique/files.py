"""Writing the files users keep (frozen checklists, generated CheckEval checklists, the JSON report).

Each is written to a temporary file beside the target and moved over it, so a reader never sees
half a file and a crash leaves the old one; the result has the permissions a plain ``open()`` would
give it (the user's umask, or the mode of the file it replaces), not ``mkstemp``'s private 0600.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
from pathlib import Path
from typing import Any


def _umask() -> int:
    try:  # Linux says it without changing it
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    current = os.umask(0o022)
    os.umask(current)
    return current


def write_atomically(path: Path, text: str, errors: str = "strict") -> None:
    """Replace ``path`` with ``text`` (UTF-8) in one step; raises OSError when it cannot."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        info = os.lstat(path)
        mode = stat.S_IMODE(info.st_mode) if stat.S_ISREG(info.st_mode) else 0o666 & ~_umask()
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", errors=errors) as file:
            file.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def resolve(path: str | os.PathLike[str], root: str | os.PathLike[str] | None) -> Path:
    """``path`` as given when absolute (or with no root), else relative to ``root``."""
    given = Path(path)
    return given if given.is_absolute() or root is None else Path(root) / given


def report_json(document: dict[str, Any]) -> str:
    """A report as JSON that reads and diffs line by line: its sections indented, each entry of a
    section (a test, a failing item...) on one line of its own.

    Fully indented JSON goes through the json module's pure-Python encoder, which took longer than
    the rest of a warm run's report; each line here is written by its C encoder.
    """
    def compact(value: Any) -> str:
        # U+2028/U+2029 may stand raw in JSON strings, but many line-based readers break lines there.
        text = json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
        return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")

    def section(value: Any, indent: str) -> str:
        inner = indent + "  "
        if isinstance(value, dict) and value:
            entries = [f"{inner}{compact(str(name))}: {section(entry, inner)}" for name, entry in value.items()]
            return "{\n" + ",\n".join(entries) + f"\n{indent}}}"
        if isinstance(value, list) and value:
            return "[\n" + ",\n".join(inner + compact(entry) for entry in value) + f"\n{indent}]"
        return compact(value)

    return section(document, "") + "\n"
