"""kinema studio: a local web page for authoring scenes, seeing their physics and controls live, and generating.

    kinema studio [--port 8765] [--host 127.0.0.1]

`create_app` builds the Starlette app (`hybrid.studio.app`); `serve` runs it with uvicorn.
"""

import ipaddress
import sys

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(host: str = "127.0.0.1", port: int = 8765, model: str = "default", device: str = "cpu",
          allow_remote: bool = False) -> None:
    """Serve the studio until Ctrl-C; a host other than loopback needs `allow_remote` and is warned about."""
    import uvicorn

    from hybrid.errors import GenerationError
    from hybrid.studio.app import create_app

    if not is_loopback(host):
        if not allow_remote:
            raise GenerationError(f"--host {host} would let other machines use the studio; it binds to 127.0.0.1 "
                                  "unless you also pass --allow-remote")
        print(f"warning: the studio listens on {host}: anyone who can reach this machine's port {port} can run "
              "the model and write into the studio's folder; it has no login", file=sys.stderr)
    if model != "default":
        from dit.checkpoint import resolve_checkpoint

        resolve_checkpoint(model)  # a missing model is one line now, not a failed job later
    app = create_app(model=model, device=device, hosts=LOOPBACK_HOSTS if is_loopback(host) else ("*",))
    where = "loopback only: this machine's browser" if is_loopback(host) else "reachable from other machines"
    print(f"kinema studio at http://{'[' + host + ']' if ':' in host else host}:{port}/ ({where}); Ctrl-C stops it",
          file=sys.stderr)
    uvicorn.run(app, host=host, port=port, log_level="warning")
