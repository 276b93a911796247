"""The API layer: translates GraphQL to service calls and rows to types. No business rules."""
