"""Servers a customer can use (#17): images, zones and key pairs for buying a server, and what a
bought resource looks like now at the provider (status, addresses, disks)."""
