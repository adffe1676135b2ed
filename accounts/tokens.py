"""Tokens for links in emails: 256 bits from ``secrets``, only their SHA-256 hash is stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def link_token_new() -> tuple[str, str]:
    """A fresh (token, hash) pair; the token goes into the email, the hash into the database."""
    token = secrets.token_urlsafe(32)
    return token, link_token_hash(token)


def link_token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def link_token_matches(token: str, stored_hash: str) -> bool:
    """Compare in constant time so a response's timing says nothing about the stored hash."""
    return hmac.compare_digest(link_token_hash(token), stored_hash)
