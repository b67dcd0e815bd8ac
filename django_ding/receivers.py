"""Built-in signal receivers, connected by ``DingConfig.ready()``."""

from __future__ import annotations
