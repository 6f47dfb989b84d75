"""Settings, the error hierarchy and the built-in extraction schemas."""

from config.settings import Settings, get_settings

__all__ = ["Settings", "get_settings"]
