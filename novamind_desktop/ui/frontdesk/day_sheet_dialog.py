"""The day sheet: see it, print it (with a preview), or save it as PDF."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from PySide6.QtCore import QDate, QMarginsF, QStandardPaths, Qt, Signal
from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter, QTextDocument
from PySide6.QtPrintSupport import QPrinter, QPrintPreviewDialog
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from novamind_desktop.presenters.appointment_book import AppointmentBookPresenter
from novamind_desktop.presenters.day_sheet import DaySheet, DaySheetPresenter, sheet_html
from novamind_desktop.ui.frontdesk.owned_runner import OwnedRunner
from novamind_desktop.ui.frontdesk.prompts import show_error
from novamind_desktop.ui.pages import PageContext

WHOLE_CLINIC = "whole"


def sheet_document(sheet: DaySheet) -> QTextDocument:
    document = QTextDocument()
    document.setHtml(sheet_html(sheet))
    document.setMetaInformation(QTextDocument.MetaInformation.DocumentTitle, sheet.title)
    return document


def write_pdf(sheet: DaySheet, path: Path) -> Path:
    """A4 PDF of the day sheet, readable by any PDF reader (text, not an image)."""
    writer = QPdfWriter(str(path))
    writer.setTitle(sheet.title)
    writer.setCreator("NOVAMIND Desktop")
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(15, 15, 15, 15), QPageLayout.Unit.Millimeter)
    sheet_document(sheet).print_(writer)
    return path


class DaySheetDialog(QDialog):
    exported = Signal(str)

    def __init__(self, parent: QWidget, context: PageContext, book: AppointmentBookPresenter):
        super().__init__(parent)
        self.setObjectName("daySheetDialog")
        self.setWindowTitle("Day sheet")
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.resize(820, 640)
        self.book = book
        self.presenter = DaySheetPresenter(
            context.services, OwnedRunner(context.runner, self), context.actor
        )
        self.sheet: DaySheet | None = None
        self._build()
        self.reload()

    def _build(self) -> None:
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.who = QComboBox()
        self.who.setObjectName("sheetWho")
        if not self.book.own_schedule:
            self.who.addItem("Whole clinic", WHOLE_CLINIC)
        for clinician in self.book.clinicians:
            if self.book.own_schedule and clinician.id != self.book.actor.user_id:
                continue
            self.who.addItem(clinician.display_name, str(clinician.id))
        self.who.currentIndexChanged.connect(lambda _: self.reload())
        self.date = QDateEdit()
        self.date.setObjectName("sheetDate")
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("ddd d MMM yyyy")
        day = self.book.day
        self.date.setDate(QDate(day.year, day.month, day.day))
        self.date.dateChanged.connect(lambda _: self.reload())
        top.addWidget(QLabel("For"))
        top.addWidget(self.who, 1)
        top.addWidget(QLabel("on"))
        top.addWidget(self.date)
        top.addStretch(1)
        self.print_button = QPushButton("Print preview…")
        self.print_button.setObjectName("printPreview")
        self.print_button.clicked.connect(self.print_preview)
        self.pdf_button = QPushButton("Save as PDF…")
        self.pdf_button.setObjectName("savePdf")
        self.pdf_button.clicked.connect(self.choose_pdf_path)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        for button in (self.print_button, self.pdf_button, close):
            top.addWidget(button)
        layout.addLayout(top)
        self.preview = QTextBrowser()
        self.preview.setObjectName("sheetPreview")
        layout.addWidget(self.preview, 1)
        self._set_ready(False)

    def _set_ready(self, ready: bool) -> None:
        self.print_button.setEnabled(ready)
        self.pdf_button.setEnabled(ready)

    def day(self) -> date:
        return self.date.date().toPython()

    def reload(self) -> None:
        choice = self.who.currentData()
        clinicians = [
            (c.id, c.display_name)
            for c in self.book.clinicians
            if choice in (WHOLE_CLINIC, str(c.id))
        ]
        self._set_ready(False)
        self.presenter.load(self.day(), clinicians, self._loaded, self._failed)

    def _loaded(self, sheet: DaySheet) -> None:
        self.sheet = sheet
        self.preview.setHtml(sheet_html(sheet))
        self._set_ready(True)

    def _failed(self, message: str) -> None:
        show_error(self, message)

    def print_preview(self) -> QPrintPreviewDialog | None:
        if self.sheet is None:
            return None
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        printer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
        document = sheet_document(self.sheet)
        preview = QPrintPreviewDialog(printer, self)
        preview.setObjectName("sheetPrintPreview")
        preview.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        preview.paintRequested.connect(document.print_)
        preview.document_ref = document  # type: ignore[attr-defined]  # keep it alive
        preview.open()
        return preview

    def default_pdf_name(self) -> str:
        folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.DocumentsLocation)
        who = self.who.currentText().lower().replace(" ", "-")
        return str(Path(folder) / f"day-sheet-{self.day().isoformat()}-{who}.pdf")

    def choose_pdf_path(self) -> QFileDialog:
        chooser = QFileDialog(self, "Save day sheet as PDF", self.default_pdf_name(), "PDF (*.pdf)")
        chooser.setObjectName("sheetPdfChooser")
        chooser.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        chooser.setDefaultSuffix("pdf")
        chooser.setOption(QFileDialog.Option.DontUseNativeDialog)
        chooser.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        chooser.fileSelected.connect(lambda path: self.export_pdf(Path(path)))
        chooser.open()
        return chooser

    def export_pdf(self, path: Path) -> Path | None:
        if self.sheet is None:
            return None
        # QPdfWriter cannot say why it failed, so the folder is checked first.
        if not path.parent.is_dir() or not os.access(path.parent, os.W_OK):
            show_error(self, f"The PDF could not be saved in {path.parent}. Choose another folder.")
            return None
        write_pdf(self.sheet, path)
        self.exported.emit(str(path))
        return path
