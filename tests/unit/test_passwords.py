"""The scrypt password hasher: format, salting, verification and malformed input."""

import base64

import pytest

from novamind_desktop.infrastructure.passwords import ScryptPasswordHasher

# Cheap parameters keep the suite fast; the format and the checks are the same.
FAST = ScryptPasswordHasher(n=2**4)


def test_default_parameters_are_the_agreed_ones():
    hasher = ScryptPasswordHasher()
    encoded = hasher.hash("correct horse battery")
    scheme, n, r, p, salt, digest = encoded.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert len(base64.b64decode(salt)) == 16 and len(base64.b64decode(digest)) == 32
    assert hasher.verify("correct horse battery", encoded)
    assert not hasher.verify("correct horse batterY", encoded)


def test_each_hash_has_its_own_salt():
    a, b = FAST.hash("same password"), FAST.hash("same password")
    assert a != b
    assert a.split("$")[4] != b.split("$")[4]
    assert FAST.verify("same password", a) and FAST.verify("same password", b)


def test_password_text_never_appears_in_the_hash():
    assert "hunter2hunter2" not in FAST.hash("hunter2hunter2")


@pytest.mark.parametrize(
    "encoded",
    [
        "",
        "plain$password",
        "bcrypt$16$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "scrypt$15$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "scrypt$1073741824$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        "scrypt$16$8$1$not base64!$AAAA",
        "scrypt$16$8$1$AAAAAAAAAAAAAAAAAAAAAA==$",
        "scrypt$16$x$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAA",
    ],
)
def test_malformed_or_hostile_hashes_verify_false(encoded):
    assert FAST.verify("anything at all", encoded) is False


def test_needs_rehash_when_parameters_change():
    old = FAST.hash("a long password")
    assert ScryptPasswordHasher().needs_rehash(old)
    assert not FAST.needs_rehash(old)
