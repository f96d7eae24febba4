"""analytics-gateway: Canvas LMS analytics from Canvas Data 2 exports."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("analytics-gateway")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

__all__ = ["__version__"]
