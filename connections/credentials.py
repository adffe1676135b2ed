"""Connection key credentials: a public app key and a 256-bit secret, stored as a SHA-256 hash.

A secret from ``secrets`` has 256 bits of entropy, so a fast hash is enough (nothing to brute
force) and keeps every API request cheap to verify; comparison is in constant time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

APP_KEY_PREFIX = "pk_"


def app_key_new() -> str:
    return APP_KEY_PREFIX + secrets.token_hex(12)


def secret_new() -> tuple[str, str]:
    """A fresh (secret, hash) pair: the secret is shown once, the hash is stored."""
    secret = "sk_" + secrets.token_urlsafe(32)
    return secret, secret_hash(secret)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def secret_matches(secret: str, stored_hash: str) -> bool:
    return hmac.compare_digest(secret_hash(secret), stored_hash)
