"""Workflows: YAML-defined DAGs of agent calls, validated, templated, executed durably."""
