"""pip install's options, as pipwarden must understand them before anything runs.

Light on purpose (no third-party imports): ``pipwarden install`` refuses the options the
journal cannot follow before it starts pip, and it starts pip as early as it can.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from pipwarden.errors import UsageError

# pip install options that take a value (long and short spellings).
VALUE_OPTIONS = {
    "-r": "--requirement",
    "--requirement": "--requirement",
    "-c": "--constraint",
    "--constraint": "--constraint",
    "-e": "--editable",
    "--editable": "--editable",
    "-i": "--index-url",
    "--index-url": "--index-url",
    "--extra-index-url": "--extra-index-url",
    "-f": "--find-links",
    "--find-links": "--find-links",
    "--trusted-host": "--trusted-host",
    "--cert": "--cert",
    "--client-cert": "--client-cert",
    "--cache-dir": "--cache-dir",
    "--proxy": "--proxy",
    "--timeout": "--timeout",
    "--retries": "--retries",
    "--keyring-provider": "--keyring-provider",
    "--no-binary": "--no-binary",
    "--only-binary": "--only-binary",
    "-C": "--config-settings",
    "--config-settings": "--config-settings",
    "--upgrade-strategy": "--upgrade-strategy",
    "--group": "--group",
    "--exists-action": "--exists-action",
    "--progress-bar": "--progress-bar",
    "--root-user-action": "--root-user-action",
    "--log": "--log",
    "--src": "--src",
    "-t": "--target",
    "--target": "--target",
    "--prefix": "--prefix",
    "--root": "--root",
    "--platform": "--platform",
    "--python-version": "--python-version",
    "--implementation": "--implementation",
    "--abi": "--abi",
    "--report": "--report",
    "--python": "--python",
    "--global-option": "--global-option",
    # pip's aliases and its other options that take a value
    "--pypi-url": "--index-url",
    "--default-timeout": "--timeout",
    "--log-file": "--log",
    "--local-log": "--log",
    "--source": "--src",
    "--source-dir": "--src",
    "--source-directory": "--src",
    "--use-feature": "--use-feature",
    "--use-deprecated": "--use-deprecated",
    "--resume-retries": "--resume-retries",
    "--build-constraint": "--build-constraint",
    "--requirements-from-script": "--requirements-from-script",
    "--all-releases": "--all-releases",
    "--only-final": "--only-final",
    "--refresh-package": "--refresh-package",
    "--uploaded-prior-to": "--uploaded-prior-to",
}
# pip flags that are also prefixes of options above (pip accepts abbreviated long options).
PREFIX_FLAGS = {"--pre", "--upgrade"}
# Options that say what to install or how to resolve: used for the plan only.
PLAN_ONLY = {
    "--requirement",
    "--requirements-from-script",
    "--constraint",
    "--editable",
    "--upgrade-strategy",
    "--group",
    "-U",
    "--upgrade",
    "--no-deps",
    "--require-hashes",
    "--dry-run",
    "-q",
    "--quiet",
    "-v",
    "--verbose",
    "--log",
    "--progress-bar",
    "--report",
}
# Options that would install somewhere the journal cannot see.
REFUSED = {
    "--target": "installs outside the environment",
    "--prefix": "installs outside the environment",
    "--root": "installs outside the environment",
    "--platform": "only works with --target",
    "--python-version": "only works with --target",
    "--implementation": "only works with --target",
    "--abi": "only works with --target",
    "--python": "use pipwarden's --python instead",
    "--report": "pipwarden writes its own report",
}


def options(args: Sequence[str]) -> Iterator[tuple[str, str, str | None]]:
    """``(argument, canonical option name, value)`` for each of pip's arguments (a
    requirement or path gives ``(arg, arg, None)``); raises UsageError for refused, abbreviated
    or incomplete options."""
    items = list(args)
    index = 0
    while index < len(items):
        arg = items[index]
        index += 1
        value: str | None = None
        option = arg
        if arg.startswith("--") and "=" in arg:
            option, value = arg.split("=", 1)
        elif (
            arg.startswith("-")
            and not arg.startswith("--")
            and len(arg) > 2
            and arg[:2] in VALUE_OPTIONS
        ):
            option, value = arg[:2], arg[2:]
        if (
            option.startswith("--")
            and option not in VALUE_OPTIONS
            and option not in PREFIX_FLAGS
            and any(known.startswith(option) for known in VALUE_OPTIONS)
        ):
            raise UsageError(
                f"abbreviated pip option {option}: spell it out", location="pip arguments"
            )
        canonical = VALUE_OPTIONS.get(option)
        if canonical is not None and value is None:
            if index >= len(items):
                raise UsageError(f"pip option {option} needs a value")
            value = items[index]
            index += 1
        name = canonical or option
        if name in REFUSED:
            raise UsageError(f"pip option {option} is not supported: {REFUSED[name]}")
        yield arg, name, value


def check(args: Sequence[str]) -> None:
    """Raise UsageError for the first argument pipwarden refuses (see :func:`options`)."""
    for _ in options(args):
        pass
