"""The Model Context Protocol surface: `/mcp` in the app (`endpoint`, `server`, `tools`) and the
stdio proxy behind `orchestrator mcp` (`proxy`)."""

MCP_PATH = "/mcp"
