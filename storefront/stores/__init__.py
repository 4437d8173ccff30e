"""The tenant: stores, their branding and domains, and host -> store resolution."""
