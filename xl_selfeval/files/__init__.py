"""The file door: defensive readers, atomic saves, recalc write-back and the generated workbooks."""
