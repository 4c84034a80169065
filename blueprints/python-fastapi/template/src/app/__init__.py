"""The service: a FastAPI application on uvicorn, authentication wired in, deny by default."""
