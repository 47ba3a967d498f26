"""The workspace secret: the key of the pseudonyms the detail workbook gives placements.

It lives in its own file in the workspace (not careladder.toml, which officers share), readable only by its
owner. Without it a pseudonym cannot be turned back into a child reference, even by trying every reference.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from ledgers.readers.problems import WorkspaceError

SECRET_FILE = "careladder.secret"


def workspace_secret(workspace: Path) -> bytes:
    """The workspace's secret (32 random bytes), created on first use."""
    path = workspace / SECRET_FILE
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as f:
            f.write(secrets.token_hex(32) + "\n")
    text = path.read_text(encoding="ascii").strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        raise WorkspaceError(f"{path} is not a careladder secret (64 hexadecimal digits)") from None
    if len(key) < 16:
        raise WorkspaceError(f"{path} is too short to be a careladder secret (64 hexadecimal digits)")
    return key
