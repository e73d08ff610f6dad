"""PyTorch for the tests that need it: skipped where it is not installed, unless required."""

import os
import unittest

try:
    import torch
except ImportError:  # the other tests run without PyTorch
    torch = None

from ._server import ServerTestCase

REQUIRED = os.environ.get("LRSCHED_REQUIRE_TORCH") == "1"

requires_torch = unittest.skipIf(torch is None and not REQUIRED, "PyTorch is not installed (Debian: python3-torch)")


class TorchServerTestCase(ServerTestCase):
    """A ServerTestCase that fails, rather than skips, when PyTorch is required but missing."""

    @classmethod
    def setUpClass(cls):
        if torch is None:
            raise RuntimeError("LRSCHED_REQUIRE_TORCH=1 but PyTorch cannot be imported")
        super().setUpClass()
