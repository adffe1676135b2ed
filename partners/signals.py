"""Signals that let other apps take part in a partnership's life without partners importing them.

``partnership_ending_preview``: sent by the confirmation page before ending. Each receiver returns a
list of ``(label, count)`` pairs describing what will stop, e.g. ``("connection keys", 3)``.

``partnership_ended``: sent by ``partners.services.partnership_end`` INSIDE its transaction, after
the partnership row is locked and marked ended. Receivers do their part of the ending in that same
transaction (revoke connection keys issued under it, return cost allocations, ...) and must not
swallow errors: an exception rolls the whole ending back. kwargs: ``partnership``, ``acting_user``.
"""

from __future__ import annotations

from django.dispatch import Signal

partnership_ending_preview = Signal()
partnership_ended = Signal()
