"""Probes of a checked address (DNS, ping, TCP, HTTP, TLS, traceroute), shared by the agents that
reach the network: the network agent, node_exporter sampling and the inventory checks."""
