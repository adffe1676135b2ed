"""Pin that a page's query count does not grow with the data."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext


def assert_constant_queries(
    client: Client, url: str, *, grow_to: Callable[[int], None], sizes: tuple[int, int] = (2, 40)
) -> int:
    """Grow the data to each size with ``grow_to(n)`` (the total wanted), fetch ``url`` and
    count queries. The two counts must be equal; returns the count so the caller can pin it."""
    counts: list[int] = []
    for size in sizes:
        grow_to(size)
        client.get(url)  # warm caches (content types, session) so both measurements are alike
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        assert response.status_code == 200, f"{url} answered {response.status_code}"
        counts.append(len(captured))
    assert counts[0] == counts[1], (
        f"{url}: {counts[0]} queries with {sizes[0]} rows but {counts[1]} with {sizes[1]}:\n"
        + "\n".join(query["sql"] for query in captured.captured_queries)
    )
    return counts[0]
