"""pipwarden.names gives exactly packaging's canonical names and versions."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from packaging.utils import canonicalize_name as packaging_name
from packaging.utils import canonicalize_version

from pipwarden.names import canonicalize_name, version_key

VERSIONS = st.builds(
    lambda epoch, release, pre, post, dev, local: (
        (f"{epoch}!" if epoch else "")
        + ".".join(map(str, release))
        + (f"{pre[0]}{pre[1]}" if pre else "")
        + (f".post{post}" if post is not None else "")
        + (f".dev{dev}" if dev is not None else "")
        + (f"+{local}" if local else "")
    ),
    st.integers(0, 2),
    st.lists(st.integers(0, 12), min_size=1, max_size=5),
    st.one_of(st.none(), st.tuples(st.sampled_from(["a", "b", "rc", "alpha", "c", "pre"]), st.integers(0, 3))),
    st.one_of(st.none(), st.integers(0, 3)),
    st.one_of(st.none(), st.integers(0, 3)),
    st.one_of(st.none(), st.sampled_from(["ubuntu.1", "ABC", "local-7"])),
)


@given(VERSIONS)
def test_version_key_equals_packaging(text: str) -> None:
    assert version_key(text) == canonicalize_version(text, strip_trailing_zero=True)


@given(st.text(alphabet="abcXYZ019-_.", min_size=1, max_size=20))
def test_canonicalize_name_equals_packaging(name: str) -> None:
    assert canonicalize_name(name) == packaging_name(name)


def test_invalid_versions_are_their_own_key() -> None:
    assert version_key("0.9-eevee") == "0.9-eevee"
    assert version_key(" 1.0 beta ") == "1.0_beta"
    assert version_key("1.0") == version_key("1.0.0") == version_key("v1")
