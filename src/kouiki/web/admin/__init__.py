"""管理者 pages (audit log, users) and every user's own account page."""
