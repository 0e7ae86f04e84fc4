"""Reading the database for the analytics: every table as a typed frame, and which writes change which table.

The documented entry points: `load_frames(url_or_engine)` and `Frames`.
"""

from crm_core.store.frames import TABLES, Frames, load_frames, load_table

__all__ = ["TABLES", "Frames", "load_frames", "load_table"]
