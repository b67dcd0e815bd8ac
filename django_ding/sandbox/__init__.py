"""The sandbox provider: a local stand-in for the Ding API."""
