"""HTTP layer: routers, dependencies, middleware."""
