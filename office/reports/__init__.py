"""Reports of a year's scoring (R13): XLSX workbook, CSV, HTML with charts, per-agency confirmation sheets."""
