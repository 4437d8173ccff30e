"""Housekeeping: work across the areas, on every store's data (the purges).

Listed last in :data:`storefront.areas.AREAS`: it may import any area and no area imports it.
``jobs.py`` holds the purges and declares them as the worker's daily jobs; ``cli.py`` the
``flask storefront purge-*`` commands that run them by hand.
"""
