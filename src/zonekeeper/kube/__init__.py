"""Cluster I/O: the API client, informers, leader election, Events and status."""
