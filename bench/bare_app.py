"""The baseline of the overhead benchmark: a bare FastAPI endpoint taking the same pydantic body."""

from __future__ import annotations

from fastapi import FastAPI

from app.api.schemas import OrchestrateRequest

app = FastAPI()


@app.post("/api/v1/orchestrate")
async def orchestrate(body: OrchestrateRequest) -> dict[str, object]:
    return {"status": "completed", "task_length": len(body.task), "results": []}
