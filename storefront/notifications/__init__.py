"""Customer notifications: one service turns an event into a mail and an in-app entry (#20)."""
