"""Hypothesis profiles: `ci` (derandomised, no deadline) when CI=true, else `dev` (no deadline).

HYPOTHESIS_PROFILE=ci|dev overrides the choice. There is no deadline in either profile: the
first call of a Numba kernel compiles it, which takes far longer than any later call.
"""

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    max_examples=25,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE")
    or ("ci" if os.environ.get("CI", "").lower() == "true" else "dev")
)
