"""A provider host that is down the slow way: a loopback port that listens
but whose accept queue is full, so every new connection times out in the
connect phase (``requests.ConnectTimeout``, nothing sent), as when a
provider's servers are unreachable behind a firewall that drops packets."""

from __future__ import annotations

import socket
from types import TracebackType

__all__ = ["Blackhole"]


class Blackhole:
    """Listen on ``127.0.0.1``, fill the accept queue, never accept.

    Use it as a context manager; :attr:`root` is ``http://127.0.0.1:<port>``.
    """

    def __init__(self, port: int = 0) -> None:
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", port))
        self._listener.listen(0)
        self.address: tuple[str, int] = self._listener.getsockname()[:2]
        self._fillers: list[socket.socket] = []
        # Connect until one times out: the queue is then full (one on Linux).
        for _ in range(16):
            filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            filler.settimeout(0.2)
            try:
                filler.connect(self.address)
            except OSError:
                filler.close()
                break
            self._fillers.append(filler)
        else:  # pragma: no cover - a kernel that never drops a SYN
            self.close()
            raise RuntimeError("could not fill the accept queue of the blackhole")

    @property
    def port(self) -> int:
        return self.address[1]

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        for filler in self._fillers:
            filler.close()
        self._fillers.clear()
        self._listener.close()

    def __enter__(self) -> Blackhole:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
