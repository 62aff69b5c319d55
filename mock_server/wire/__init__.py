"""The wire contract: paths, statuses, errors, schemas, exchanges and OpenAPI. No Flask."""
