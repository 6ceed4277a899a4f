"""Downloads of the region pages' tables and of scenario reports (``/export/…``)."""
