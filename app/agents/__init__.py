"""The agents: the protocol and registry (`base.py`, `registry.py`), the probes they share
(`checks/`), and one package per agent."""
