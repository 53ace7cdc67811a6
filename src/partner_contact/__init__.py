"""partner-contact: discreet, audited outreach to partners of programme participants."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("partner-contact")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0"
