"""Edit a workbook in LibreOffice through UNO, as a user would in the app, then report cell values.

Run with the system Python that has LibreOffice's `uno` module (Debian: python3-uno):

    /usr/bin/python3 lo_edit.py BOOK.xlsx STEPS.json OUT.json

STEPS is a list of {"sheet": i, "insert_row": r} (0-based row index, inserted above r),
{"sheet": i, "set": [row, col, number]}, {"sheet": i, "read": [row, col]} (0-based) and
{"sheet": i, "audit": true}: LibreOffice's own "mark invalid data" (XSheetAuditing.showInvalid), which
circles every cell whose value its data validation refuses; the step reports the circled cells.
OUT gets the values read after LibreOffice recalculated, and the audits, in order.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import uuid

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]


def prop(name: str, value: object) -> PropertyValue:
    p = PropertyValue()
    p.Name, p.Value = name, value
    return p


def main() -> None:
    book, steps_path, out_path = sys.argv[1:4]
    with open(steps_path, encoding="utf-8") as f:
        steps = json.load(f)
    pipe = f"xlselfeval{uuid.uuid4().hex}"
    profile = tempfile.mkdtemp(prefix="xl-selfeval-uno-")
    proc = subprocess.Popen(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--norestore",
            "--nologo",
            f"--accept=pipe,name={pipe};urp;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
        ctx = None
        for _ in range(150):
            try:
                ctx = resolver.resolve(f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext")
                break
            except Exception:
                time.sleep(0.2)
        if ctx is None:
            raise SystemExit("LibreOffice did not start")
        desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        doc = desktop.loadComponentFromURL(
            uno.systemPathToFileUrl(os.path.abspath(book)), "_blank", 0, (prop("Hidden", True),)
        )
        values = []
        for step in steps:
            sheet = doc.Sheets.getByIndex(step["sheet"])
            if "insert_row" in step:
                sheet.Rows.insertByIndex(step["insert_row"], 1)
            elif "set" in step:
                r, c, v = step["set"]
                sheet.getCellByPosition(c, r).setValue(v)
            elif "audit" in step:
                doc.calculateAll()
                sheet.clearArrows()
                sheet.showInvalid()
                circles = []
                page = sheet.DrawPage
                for i in range(page.Count):
                    shape = page.getByIndex(i)
                    anchor = shape.Anchor
                    if hasattr(anchor, "getCellAddress"):
                        address = anchor.getCellAddress()
                        circles.append([address.Row, address.Column])
                    else:
                        circles.append([-1, -1])
                values.append({"circles": circles})
            elif "read" in step:
                doc.calculateAll()
                r, c = step["read"]
                cell = sheet.getCellByPosition(c, r)
                values.append({"value": cell.getValue(), "formula": cell.getFormula()})
        doc.close(True)
        with open(out_path, "w", encoding="utf-8") as f:
            json.dump(values, f)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
