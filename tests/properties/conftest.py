"""Property tests run under the skbuilder Hypothesis profile: fast by default, thorough with
HYPOTHESIS_PROFILE=thorough, derandomized under CI."""

from skbuilder.testing import load_profile

load_profile()
