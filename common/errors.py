"""Errors of the application shell."""


class WugongError(Exception):
    """Base class of the application shell's errors."""


class ConfigurationError(WugongError):
    """Raised when the settings cannot run this process (a missing or weak secret key, …)."""
