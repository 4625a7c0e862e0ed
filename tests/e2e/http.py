"""Small HTTP helper shared by the end-to-end tests."""

from __future__ import annotations

from typing import Any

import httpx


def ok(response: httpx.Response) -> Any:
    """The JSON body of a successful response; fails the test with the status and body otherwise."""
    assert response.status_code < 400, f"{response.request.url}: {response.status_code} {response.text}"
    return response.json()
