"""The read model in memory: the service's own projection code with a dict for the store (the repository's fake twin).

Events are folded in batches (as the group commit does), documents counted by their key fields (as
``$group`` does), and cells, school cells and summaries computed by the service's pure modules.
"""

from __future__ import annotations

import random
from collections import defaultdict
from typing import Any

from services.metrics import domain
from services.metrics.cells import Cell, Series, add_series, program_cells
from services.metrics.counts import GROUPED
from services.metrics.derived import SUMS
from services.metrics.events import Envelope
from services.metrics.lattice import Document
from services.metrics.projector import fold, meta
from services.metrics.rows import Row, group
from services.metrics.schools import DistrictRows, school_cells
from services.metrics.summary import Query
from services.metrics.views import district_summary, program_summary, school_summary, state_summary, weekly
from shared.contracts.envelope import CloudEvent


class Twin:
    def __init__(self) -> None:
        self.docs: dict[str, dict[str, Document]] = defaultdict(dict)

    def consume(self, envelopes: list[CloudEvent[Any]], rng: random.Random | None = None) -> None:
        """Fold the envelopes in random batches (each batch: changes merged per document, then stored)."""
        rng = rng or random.Random(0)
        i = 0
        while i < len(envelopes):
            size = rng.randrange(1, 20)
            self._batch(envelopes[i : i + size])
            i += size

    def _batch(self, envelopes: list[CloudEvent[Any]]) -> None:
        by_doc: dict[tuple[str, str], list[Any]] = defaultdict(list)
        for env in envelopes:
            envelope = Envelope.model_validate(env.model_dump(mode="json"))
            for change in domain.project(meta(envelope), env.data):
                by_doc[(change.collection, change.key)].append(change)
        for (collection, key), changes in by_doc.items():
            self.docs[collection][key] = fold(self.docs[collection].get(key), changes, collection)

    def _programs(self, district: str | None = None) -> list[str]:
        return sorted(k for k, d in self.docs["programs"].items() if district is None or d["district"] == district)

    def rows(self) -> dict[str, list[Row]]:
        """Every collection counted by ``g`` (what the repository's ``program_rows`` answers)."""
        return {name: group(self.docs[name].values(), "g", SUMS.get(name, ())) for name in GROUPED}

    def program_cells(self) -> dict[str, tuple[Cell, Series]]:
        return program_cells(self._programs(), self.rows())

    def districts(self) -> list[str]:
        return sorted({d["district"] for d in self.docs["programs"].values()})

    def district_cell(self, district: str) -> tuple[Cell, Series]:
        cells = self.program_cells()
        cell, series = Cell(), {}  # type: ignore[var-annotated]
        for program in self._programs(district):
            cell.add(cells[program][0])
            add_series(series, cells[program][1])
        return cell, series

    def summaries(self, query: Query) -> dict[str, Any]:
        """Every summary and series the API offers, as JSON."""
        out: dict[str, Any] = {}
        cells = self.program_cells()
        state, state_series = Cell(), {}  # type: ignore[var-annotated]
        for program, (cell, series) in cells.items():
            district = self.docs["programs"][program]["district"]
            out[f"program:{program}"] = program_summary(program, district, cell, query).model_dump(mode="json")
            out[f"program-weekly:{program}"] = weekly("program", program, series, query.k).model_dump(mode="json")
        for district in self.districts():
            cell, series = self.district_cell(district)
            state.add(cell)
            add_series(state_series, series)
            out[f"district:{district}"] = district_summary(district, cell, query).model_dump(mode="json")
            out[f"district-weekly:{district}"] = weekly("district", district, series, query.k).model_dump(mode="json")
            for school, school_cell in school_cells(self.district_rows(district)).items():
                out[f"school:{district}:{school}"] = school_summary(district, school, school_cell, query).model_dump(mode="json")
        out["state"] = state_summary(len(self.districts()), state, query).model_dump(mode="json")
        out["state-weekly"] = weekly("state", "state", state_series, query.k).model_dump(mode="json")
        return out

    def district_rows(self, district: str) -> DistrictRows:
        def of(name: str) -> list[Document]:
            return [d for d in self.docs[name].values() if d["district"] == district]

        return DistrictRows(
            participants=of("participants"),
            relationships=of("relationships"),
            statuses=of("statuses"),
            meetings=group(of("meetings"), "gr", ("minutes",), week="week"),
            surveys=group(of("surveys"), "gr"),
        )
