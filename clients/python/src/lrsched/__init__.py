"""Client for the lrsched learning-rate scheduling service."""

from ._client import Client, LrschedError
from ._scheduler import RemoteScheduler

__all__ = ["Client", "LrschedError", "RemoteScheduler"]
