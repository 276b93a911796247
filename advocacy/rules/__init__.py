"""Gift rules: "when X happens, send Y", run by workers after the triggering commit."""
