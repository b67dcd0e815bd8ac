"""Phone number verification for Django through the Ding (Prelude) API."""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__"]
