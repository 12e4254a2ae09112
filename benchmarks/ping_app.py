"""The ceiling: a bare FastAPI app, served like the generated projects (`uvicorn --factory`)."""

from fastapi import FastAPI


def create_app() -> FastAPI:
    """One route that does nothing: what uvicorn and FastAPI cost on their own."""
    app = FastAPI()

    @app.get("/ping")
    async def ping() -> dict[str, str]:
        return {"ping": "pong"}

    return app
