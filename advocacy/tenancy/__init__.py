"""Organizations (tenants), API tokens and the principal a request acts as."""
