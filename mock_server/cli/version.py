"""The installed package's version, which `--version` and the start banner print."""

from __future__ import annotations

from importlib import metadata

__all__ = ["DISTRIBUTION", "package_version"]

DISTRIBUTION = "vidu-mock"


def package_version() -> str:
    """The version pip installed, or "unknown" when running from an uninstalled checkout."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown"
