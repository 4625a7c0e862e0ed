"""Body size limits and spreadsheet-safe CSV exports."""

from __future__ import annotations

import csv
import io

import httpx
from fastapi import FastAPI, Request

from shared.csv_export import safe_cell, to_csv
from shared.observability.limits import BodySizeLimit


def app_with_limit(limit: int) -> FastAPI:
    app = FastAPI()
    app.add_middleware(BodySizeLimit, max_bytes=limit)

    @app.post("/echo")
    async def echo(request: Request) -> dict[str, int]:
        return {"size": len(await request.body())}

    return app


async def test_bodies_over_the_limit_get_413_declared_or_streamed():
    transport = httpx.ASGITransport(app=app_with_limit(100))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
        assert (await http.post("/echo", content=b"x" * 100)).json() == {"size": 100}
        too_big = await http.post("/echo", content=b"x" * 101)
        assert too_big.status_code == 413 and "larger than 100 bytes" in too_big.json()["detail"]

        async def chunks():
            for _ in range(5):
                yield b"x" * 40

        streamed = await http.post("/echo", content=chunks())
        assert streamed.status_code == 413


def test_formula_cells_are_neutralised_and_plain_ones_kept():
    assert safe_cell('=HYPERLINK("http://x","click")') == '\'=HYPERLINK("http://x","click")'
    for dangerous in ("+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"):
        assert safe_cell(dangerous).startswith("'")
    assert safe_cell("Ana García") == "Ana García" and safe_cell(12) == "12" and safe_cell(None) == ""
    rows = list(csv.reader(io.StringIO(to_csv(["name", "n"], [["=1+1", 3], ["Bo, Jr.", "x"]]))))
    assert rows == [["name", "n"], ["'=1+1", "3"], ["Bo, Jr.", "x"]]
