"""`careladder serve`: the month end on a local web page (budget.web), for officers who do not use a terminal."""

from __future__ import annotations

import threading
import webbrowser
from pathlib import Path
from typing import Annotated

import typer

from budget.cli.console import WorkspaceOpt, err, handles_errors
from ledgers.store.workspace import load_workspace

LOCAL = ("127.0.0.1", "localhost", "::1")


@handles_errors
def serve(
    workspace: WorkspaceOpt = Path("."),
    port: Annotated[int, typer.Option("--port", help="Port on this computer.")] = 8765,
    host: Annotated[
        str,
        typer.Option(
            "--host", help="Address to listen on; anything but 127.0.0.1 requires the printed token."
        ),
    ] = "127.0.0.1",
    open_browser: Annotated[
        bool, typer.Option("--open/--no-open", help="Open the page in the browser.")
    ] = True,
) -> None:
    """Start the careladder page for a workspace and open it in the browser (Ctrl+C stops it)."""
    import uvicorn

    from budget.web.app import create_app
    from budget.web.security import new_token

    load_workspace(workspace)  # a clear message now, not a broken page later
    token = None if host in LOCAL else new_token()
    app = create_app(workspace, token=token)
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    url = f"http://{shown}:{port}/" + (f"?token={token}" if token else "")
    err.print(f"careladder for {workspace.resolve()} at {url}  (Ctrl+C to stop)", markup=False)
    if token:
        err.print("The page is reachable from other computers: it needs the token in the address above.")
    if open_browser:
        threading.Timer(1.0, lambda: webbrowser.open(url)).start()
    uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
