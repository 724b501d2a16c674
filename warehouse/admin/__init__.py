"""Administration pages: users, organisations and the audit log."""
