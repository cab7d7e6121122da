"""HS256 and RS256 in pure Python, checked against PyJWT and keys made by `cryptography`."""

from __future__ import annotations

import base64
import json
import time

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from aha_jira.connect import jwt
from aha_jira.connect.rsa_keys import InvalidKey, load_pem_public_key
from aha_jira.jira.connect_jwt import b64url_encode, encode_hs256

SECRET = "a-shared-secret-of-at-least-32-bytes-long"
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def claims(**overrides: object) -> dict[str, object]:
    now = int(time.time())
    values: dict[str, object] = {"iss": "jira:1", "iat": now, "exp": now + 180, "qsh": "q"}
    values.update(overrides)
    return values


def test_hs256_round_trips_with_pyjwt() -> None:
    ours = encode_hs256(claims(), SECRET)
    assert pyjwt.decode(ours, SECRET, algorithms=["HS256"])["iss"] == "jira:1"
    theirs = pyjwt.encode(claims(), SECRET, algorithm="HS256")
    parsed = jwt.parse(theirs)
    jwt.verify_hs256(parsed, SECRET)
    jwt.check_lifetime(parsed.claims)


def test_hs256_refuses_a_wrong_secret_a_changed_payload_and_another_alg() -> None:
    token = pyjwt.encode(claims(), SECRET, algorithm="HS256")
    with pytest.raises(jwt.InvalidToken):
        jwt.verify_hs256(jwt.parse(token), SECRET + "x")
    header, _payload, signature = token.split(".")
    changed = base64.urlsafe_b64encode(json.dumps(claims(iss="jira:2")).encode()).rstrip(b"=").decode()
    with pytest.raises(jwt.InvalidToken):
        jwt.verify_hs256(jwt.parse(f"{header}.{changed}.{signature}"), SECRET)
    none_alg = pyjwt.encode(claims(), None, algorithm="none")
    with pytest.raises(jwt.InvalidToken):
        jwt.verify_hs256(jwt.parse(none_alg + "AA"), SECRET)


def test_rs256_verifies_a_token_signed_by_cryptography() -> None:
    token = pyjwt.encode(claims(), RSA_KEY, algorithm="RS256", headers={"kid": "k1"})
    parsed = jwt.parse(token)
    assert parsed.header["kid"] == "k1"
    jwt.verify_rs256(parsed, load_pem_public_key(pem(RSA_KEY)))


@pytest.mark.parametrize("bits", [2048, 3072, 4096])
def test_rs256_verifies_raw_pkcs1_v15_signatures_of_any_common_size(bits: int) -> None:
    key = RSA_KEY if bits == 2048 else rsa.generate_private_key(public_exponent=65537, key_size=bits)
    token = pyjwt.encode(claims(), key, algorithm="RS256")
    jwt.verify_rs256(jwt.parse(token), load_pem_public_key(pem(key)))


def test_rs256_refuses_another_key_a_changed_payload_a_pss_signature_and_hs256() -> None:
    public = load_pem_public_key(pem(RSA_KEY))
    other = pyjwt.encode(claims(), OTHER_RSA_KEY, algorithm="RS256")
    with pytest.raises(jwt.InvalidToken):
        jwt.verify_rs256(jwt.parse(other), public)
    token = pyjwt.encode(claims(), RSA_KEY, algorithm="RS256")
    header, _, signature = token.split(".")
    changed = base64.urlsafe_b64encode(json.dumps(claims(iss="jira:evil")).encode()).rstrip(b"=").decode()
    with pytest.raises(jwt.InvalidToken):
        jwt.verify_rs256(jwt.parse(f"{header}.{changed}.{signature}"), public)
    pss = RSA_KEY.sign(
        f"{header}.{token.split('.')[1]}".encode(),
        padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32),
        hashes.SHA256(),
    )
    pss_token = f"{header}.{token.split('.')[1]}.{b64url_encode(pss)}"
    with pytest.raises(jwt.InvalidToken):
        jwt.verify_rs256(jwt.parse(pss_token), public)
    # alg confusion: an HS256 token "signed" with the public key's text is refused by the RS256 check.
    with pytest.raises(jwt.InvalidToken):
        jwt.verify_rs256(jwt.parse(encode_hs256(claims(), pem(RSA_KEY))), public)
    with pytest.raises(jwt.InvalidToken):
        jwt.verify_rs256(jwt.parse(f"{header}.{token.split('.')[1]}.{b64url_encode(b'\\x00' * 10)}"), public)


def test_lifetime_checks() -> None:
    now = 1_700_000_000
    jwt.check_lifetime({"iat": now, "exp": now + 180}, now=now)
    jwt.check_lifetime({"iat": now - 200, "exp": now - 20}, now=now)  # within the leeway
    for bad in (
        {"iat": now - 400, "exp": now - 200},
        {"iat": now + 120, "exp": now + 300},
        {"iat": now, "exp": now + 86_400},
        {"exp": now + 100},
        {"iat": now, "exp": "soon"},
        {"iat": True, "exp": now + 100},
    ):
        with pytest.raises(jwt.InvalidToken):
            jwt.check_lifetime(bad, now=now)


@pytest.mark.parametrize("token", ["", "a.b", "a.b.c.d", "!!.e30.AA", "e30.bm90IGpzb24.AA", "W10.e30.AA"])
def test_malformed_tokens_are_refused(token: str) -> None:
    with pytest.raises(jwt.InvalidToken):
        jwt.parse(token)


def test_only_rsa_public_keys_of_2048_bits_or_more_are_loaded() -> None:
    key = load_pem_public_key(pem(RSA_KEY))
    assert key.exponent == 65537 and key.modulus.bit_length() == 2048
    with pytest.raises(InvalidKey):
        load_pem_public_key(pem(ec.generate_private_key(ec.SECP256R1())))
    short = rsa.generate_private_key(public_exponent=65537, key_size=1024)  # noqa: S505 (refused on purpose)
    with pytest.raises(InvalidKey):
        load_pem_public_key(pem(short))
    text = pem(RSA_KEY)
    with pytest.raises(InvalidKey):
        load_pem_public_key(text.replace("PUBLIC KEY", "RSA PUBLIC KEY"))
    lines = text.strip().splitlines()
    truncated = "\n".join([lines[0], *lines[1:-2], lines[-1]])
    with pytest.raises(InvalidKey):
        load_pem_public_key(truncated)
    with pytest.raises(InvalidKey):
        load_pem_public_key("-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----")


@pytest.mark.parametrize(
    "payload",
    [
        b"[" * 5_000 + b"]" * 5_000,
        b'{"iss": ' + b"[" * 100 + b"]" * 100 + b"}",
        b'{"exp": ' + b"9" * 5_000 + b"}",
        b'{"iss": "a", "iss": "b"}',
        b'{"exp": NaN}',
    ],
    ids=["5,000 nested", "100 nested", "5,000 digits", "repeated claim", "NaN"],
)
def test_claims_that_are_not_strict_json_are_an_invalid_token(payload: bytes) -> None:
    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    token = f"{part(b'{}')}.{part(payload)}.{part(b'signature')}"
    with pytest.raises(jwt.InvalidToken, match="claims is not JSON"):
        jwt.parse(token)
