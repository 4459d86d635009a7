"""Gradient testing as a public API: finite-difference checks and Hypothesis strategies.

from autograd_engine.testing import gradcheck, gradgradcheck, strategies
"""

from ..errors import GradcheckError
from . import strategies
from .gradcheck import gradcheck, gradgradcheck

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck", "strategies"]
