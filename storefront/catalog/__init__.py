"""Catalogue and pricing: products, specs, regions, the price book, price rules and quotes."""
