"""A synced catalogue and price book: fetched from the sandbox once, replayed per test."""


