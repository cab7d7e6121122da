"""RSA public keys from PEM `SubjectPublicKeyInfo` (what Atlassian's install-keys service serves), read
with a minimal DER parser: SEQUENCE { SEQUENCE { OID rsaEncryption, NULL }, BIT STRING { SEQUENCE {
INTEGER n, INTEGER e } } }. Anything else is refused."""

from __future__ import annotations

import base64
import binascii

from aha_jira.models.connect import RsaPublicKey

_RSA_ENCRYPTION_OID = bytes.fromhex("2a864886f70d010101")  # 1.2.840.113549.1.1.1
MIN_MODULUS_BITS = 2048


class InvalidKey(Exception):
    """The text is not an RSA public key we accept."""


def _read(data: bytes, offset: int, tag: int) -> tuple[bytes, int]:
    """The content of the DER element of type `tag` at `offset`, and the offset after it."""
    if offset + 2 > len(data) or data[offset] != tag:
        raise InvalidKey("unexpected DER element")
    length = data[offset + 1]
    offset += 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4 or offset + count > len(data):
            raise InvalidKey("bad DER length")
        length = int.from_bytes(data[offset : offset + count], "big")
        offset += count
    end = offset + length
    if end > len(data):
        raise InvalidKey("truncated DER")
    return data[offset:end], end


def _positive_integer(content: bytes) -> int:
    if not content or content[0] & 0x80:
        raise InvalidKey("negative or empty integer")
    return int.from_bytes(content, "big")


def load_pem_public_key(pem: str) -> RsaPublicKey:
    lines = [line.strip() for line in pem.strip().splitlines() if line.strip()]
    if len(lines) < 3 or lines[0] != "-----BEGIN PUBLIC KEY-----" or lines[-1] != "-----END PUBLIC KEY-----":
        raise InvalidKey("not a PEM public key")
    try:
        der = base64.b64decode("".join(lines[1:-1]), validate=True)
    except (binascii.Error, ValueError):
        raise InvalidKey("not a PEM public key") from None
    spki, end = _read(der, 0, 0x30)
    if end != len(der):
        raise InvalidKey("trailing data")
    algorithm, offset = _read(spki, 0, 0x30)
    oid, after_oid = _read(algorithm, 0, 0x06)
    if oid != _RSA_ENCRYPTION_OID:
        raise InvalidKey("not an RSA key")
    if after_oid < len(algorithm):
        _, after_null = _read(algorithm, after_oid, 0x05)
        if after_null != len(algorithm):
            raise InvalidKey("unexpected algorithm parameters")
    bit_string, after = _read(spki, offset, 0x03)
    if after != len(spki) or not bit_string or bit_string[0] != 0:
        raise InvalidKey("bad key bit string")
    rsa_key, rsa_end = _read(bit_string, 1, 0x30)
    if rsa_end != len(bit_string):
        raise InvalidKey("trailing data in key")
    modulus_bytes, offset = _read(rsa_key, 0, 0x02)
    exponent_bytes, offset = _read(rsa_key, offset, 0x02)
    if offset != len(rsa_key):
        raise InvalidKey("trailing data in key")
    modulus = _positive_integer(modulus_bytes)
    exponent = _positive_integer(exponent_bytes)
    if modulus.bit_length() < MIN_MODULUS_BITS:
        raise InvalidKey("the key is shorter than 2048 bits")
    if exponent < 3 or exponent % 2 == 0:
        raise InvalidKey("bad public exponent")
    return RsaPublicKey(modulus=modulus, exponent=exponent)
