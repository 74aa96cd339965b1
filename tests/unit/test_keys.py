"""Keys come only from the environment; a missing or malformed one stops with a named variable."""

import base64

import pytest

from novamind_desktop.infrastructure.keys import (
    KEY_VAR,
    PASSWORD_VAR,
    PREVIOUS_VAR,
    SALT_VAR,
    KeyConfigError,
    generate_key,
    load_keyring,
)


def test_generated_key_is_32_bytes_urlsafe_base64():
    key = generate_key()
    assert len(base64.urlsafe_b64decode(key)) == 32
    assert load_keyring({KEY_VAR: key}).current.material == base64.urlsafe_b64decode(key)


def test_missing_key_names_the_variable_and_says_how_to_create_one():
    with pytest.raises(KeyConfigError) as err:
        load_keyring({})
    assert KEY_VAR in str(err.value)
    assert "keygen" in str(err.value)


@pytest.mark.parametrize("bad", ["short", "!" * 44, base64.urlsafe_b64encode(b"x" * 31).decode()])
def test_malformed_key_names_the_variable_and_not_the_value(bad):
    with pytest.raises(KeyConfigError) as err:
        load_keyring({KEY_VAR: bad})
    assert KEY_VAR in str(err.value)
    assert bad not in str(err.value)


def test_malformed_previous_key_names_its_position():
    with pytest.raises(KeyConfigError) as err:
        load_keyring({KEY_VAR: generate_key(), PREVIOUS_VAR: f"{generate_key()},nonsense"})
    assert f"{PREVIOUS_VAR} (entry 2)" in str(err.value)


def test_previous_keys_are_kept_in_order_and_the_current_one_is_not_repeated():
    current, old1, old2 = generate_key(), generate_key(), generate_key()
    ring = load_keyring({KEY_VAR: current, PREVIOUS_VAR: f" {old1} ,{current},{old2}"})
    assert [k.material for k in ring.previous] == [
        base64.urlsafe_b64decode(old1),
        base64.urlsafe_b64decode(old2),
    ]


def test_password_and_salt_derive_the_same_key_every_time():
    env = {PASSWORD_VAR: "correct horse battery", SALT_VAR: "clinic-salt-0123456789"}
    assert load_keyring(env).current == load_keyring(env).current
    other = load_keyring({**env, SALT_VAR: "another-salt-0123456789"})
    assert other.current != load_keyring(env).current


def test_password_without_a_salt_is_refused():
    with pytest.raises(KeyConfigError) as err:
        load_keyring({PASSWORD_VAR: "correct horse battery"})
    assert SALT_VAR in str(err.value)


def test_key_repr_never_shows_the_material():
    ring = load_keyring({KEY_VAR: generate_key()})
    assert repr(ring.current.material) not in repr(ring)
    assert "MasterKey(id=" in repr(ring.current)
