"""Hypothesis profiles for property tests of blocks and specs.

``fast`` (the default) keeps a local run to seconds; ``thorough`` tries many more examples.
Choose with the ``HYPOTHESIS_PROFILE`` environment variable. Under CI (``CI`` set to anything
but empty/0/false) the chosen profile runs derandomized and without the example database, so
a CI run is deterministic and repeatable.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

PROFILES: dict[str, dict[str, object]] = {
    "fast": {"max_examples": 12},
    "thorough": {"max_examples": 200},
}
_COMMON: dict[str, object] = {
    "deadline": None,  # torch timings on a shared CPU vary too much for a deadline
    "suppress_health_check": (HealthCheck.too_slow,),
}
_CI: dict[str, object] = {"derandomize": True, "database": None, "print_blob": True}


def examples(share: float) -> settings:
    """Settings running ``share`` of the loaded profile's examples (at least one): for properties
    whose every example builds and runs a whole network, many times the cost of one block, so
    that a thorough run stays thorough where examples are cheap and affordable where not."""
    loaded = settings.default
    count = loaded.max_examples if loaded is not None else PROFILES["fast"]["max_examples"]
    return settings(max_examples=max(1, round(int(count) * share)))  # type: ignore[call-overload]


def in_ci(environ: dict[str, str] | None = None) -> bool:
    value = (environ if environ is not None else os.environ).get("CI", "")
    return value.strip().lower() not in ("", "0", "false", "no")


def profile_name(name: str, ci: bool) -> str:
    """The registered name of profile ``name`` (``skbuilder-<name>``, ``-ci`` under CI)."""
    return f"skbuilder-{name}{'-ci' if ci else ''}"


def register_profiles() -> None:
    """Register every profile, each in a local and a CI (derandomized) flavour."""
    base = settings.get_profile("default")  # not the loaded profile: registering inherits it
    for name, values in PROFILES.items():
        settings.register_profile(profile_name(name, False), base, **_COMMON, **values)
        settings.register_profile(profile_name(name, True), base, **_COMMON, **values, **_CI)


def load_profile(name: str | None = None, *, environ: dict[str, str] | None = None) -> str:
    """Load ``name`` (default: ``$HYPOTHESIS_PROFILE``, else ``fast``) and return the
    registered name actually loaded."""
    env = environ if environ is not None else dict(os.environ)
    chosen = name or env.get("HYPOTHESIS_PROFILE") or "fast"
    if chosen not in PROFILES:
        known = ", ".join(PROFILES)
        raise ValueError(f"unknown hypothesis profile {chosen!r} (known: {known})")
    register_profiles()
    registered = profile_name(chosen, in_ci(env))
    settings.load_profile(registered)
    return registered
