"""CSV import and export."""
