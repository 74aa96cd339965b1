"""Every shell item model passes Qt's model tester, empty, filled and after a reset."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt

from novamind_desktop.ui.models.rows import ROW_ROLE, Column, RowTableModel


@dataclass(frozen=True)
class Row:
    name: str
    active: bool


COLUMNS = [Column("Name", lambda r: r.name, tooltip=lambda r: f"user {r.name}")]
COLUMNS.append(Column("Active", lambda r: "yes" if r.active else "no"))


def test_row_model_passes_the_model_tester(qtmodeltester):
    model = RowTableModel(COLUMNS, muted=lambda r: not r.active)
    qtmodeltester.check(model)
    model.set_rows([Row("anna", True), Row("ben", False)])
    qtmodeltester.check(model)
    assert model.data(model.index(1, 1)) == "no"
    assert model.data(model.index(0, 0), ROW_ROLE) == Row("anna", True)
    assert model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole) == "user anna"
    assert model.data(model.index(1, 0), Qt.ItemDataRole.ForegroundRole) is not None
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Name"
    model.set_rows([])
    qtmodeltester.check(model)
    assert model.rowCount() == 0
