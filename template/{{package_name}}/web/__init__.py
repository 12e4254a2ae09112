"""HTTP entry point: FastAPI app factory, routes, schemas, middleware and the error mapping."""
