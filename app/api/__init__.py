"""HTTP layer: routers, schemas, dependencies and error handlers; the only code that knows FastAPI."""

API_PREFIX = "/api/v1"
