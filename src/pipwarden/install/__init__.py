"""Guarded install: plan with pip's dry-run report, check the plan, journal the environment,
install exactly the checked set, and roll back from the journal."""
