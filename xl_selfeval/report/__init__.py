"""The report door: writes the self-evaluation report (docx through docxtpl, md and html through jinja2)."""
