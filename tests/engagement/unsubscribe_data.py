"""What a mail client sends for a one-click unsubscribe (RFC 8058, section 3.1)."""

ONE_CLICK = {"List-Unsubscribe": "One-Click"}
