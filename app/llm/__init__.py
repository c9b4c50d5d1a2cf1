"""LLM providers behind one interface, and the manager that adds retries, breakers and fallbacks."""
