"""Support tickets (#21): customers ask, staff answer, the provider is reached when it must be."""
